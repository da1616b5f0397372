from django.http import HttpRequest


def current_organization(request: HttpRequest) -> dict:
    """Expose the organisation in force and the user's memberships to templates."""
    return {
        "current_membership": getattr(request, "membership", None),
        "current_organization": getattr(request, "organization", None),
        "user_memberships": getattr(request, "user_memberships", []),
    }
