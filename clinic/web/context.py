"""What the signed-in user may do, for the templates: the menu shows only the
links they may follow, and a page shows only the forms they may send."""
from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of


class Can:
    """``{% if can.book %}``: may the user use this capability (for some doctor at least)?"""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, name):
        return may(staff_of(self.user), Capability[name.upper()])


def roles(request):
    return {"can": Can(getattr(request, "user", None))}
