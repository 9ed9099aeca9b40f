"""Who may do what: the clinic's three roles and their need-to-know rules.

``rules`` is the one table (pure, no database); ``staff`` reads a user's role
and doctor from the database once per request; ``models`` links a clinician
user to the doctor they are.
"""
