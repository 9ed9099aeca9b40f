from rest_framework.pagination import PageNumberPagination


class ClinicPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page_size=`` up to 1000."""

    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_schema_operation_parameters(self, view):
        """The schema states page_size's bounds: past them the server does not
        refuse, it quietly gives another page size, which a client should know."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Results per page, 1 to {self.max_page_size} (default {self.page_size}); a larger number "
                    f"gives {self.max_page_size}, anything else the default.")
        return parameters
