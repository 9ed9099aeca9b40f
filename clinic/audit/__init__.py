"""The read audit: who saw which patient's data, when, and through which view.

Every view that shows a patient's data calls ``reads.record_reads`` before it
answers, so no read goes unrecorded; the records are append-only, guarded by the
same database triggers as the event log (``immutability``). They hold ids only —
the patient's id, the user's id and username — never a name or a date of birth,
so erasing a patient leaves nothing of theirs here to erase.
"""
