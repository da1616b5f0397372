"""Account pages: log in and out, passwords, profile, and joining through an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from . import services, two_factor
from .errors import DomainError
from .forms import InvitationAcceptForm, LoginForm, PasswordResetRequestForm, ProfileForm
from .models import Invitation, Membership, SecurityEvent, User
from .security import record_security_event
from .tenancy import switch_organization

# Codes of check_invitation_usable(): the link itself is dead, the page says why.
DEAD_INVITATION_CODES = {"unknown", "used", "revoked", "expired", "inactive_organization"}


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The lockout page promises that a new password lets the person in again.
        services.lift_login_lockout(email=self.user.email)
        record_security_event(
            SecurityEvent.Kind.PASSWORD_CHANGED,
            request=self.request,
            user=self.user,
            detail="Par le lien de réinitialisation",
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        record_security_event(
            SecurityEvent.Kind.PASSWORD_RESET, request=self.request, user=user, username=email
        )
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record_security_event(SecurityEvent.Kind.PASSWORD_CHANGED, request=self.request)
        return response


login = login_not_required(LoginView.as_view())
logout = auth_views.LogoutView.as_view()
password_reset = login_not_required(PasswordResetView.as_view())
password_reset_done = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = login_not_required(PasswordResetConfirmView.as_view())
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)
password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show and edit the user's name and phone, with the organisations they belong to."""
    user = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name, "phone": user.phone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Votre profil est enregistré.")
            return redirect("accounts:profile")
    memberships = (
        Membership.objects.active()
        .for_user(user)
        .select_related("organization")
        .prefetch_related("sites")
        .order_by("organization__name")
    )
    context = {
        "form": form,
        "memberships": memberships,
        "two_factor_enabled": two_factor.has_two_factor(user),
        "two_factor_required": two_factor.user_requires_two_factor(user),
        "backup_codes_left": two_factor.backup_codes_left(user),
    }
    return render(request, "accounts/profile.html", context)


def _dead_invitation(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = 404 if error.code == "unknown" else 410
    context = {"message": error.message, "code": error.code}
    return render(request, "accounts/invitation_unusable.html", context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Let an invited person create their account, or join with the account they have."""
    invitation = services.find_invitation(token)
    try:
        services.check_invitation_usable(invitation)
    except DomainError as error:
        return _dead_invitation(request, error)
    if request.user.is_authenticated:
        return _join_with_current_account(request, invitation, token)
    context = {"invitation": invitation, "mode": "create"}
    if User.objects.filter(email__iexact=invitation.email).exists():
        query = urlencode({"next": request.path})
        context.update(mode="login", login_url=f"{reverse('accounts:login')}?{query}")
        return render(request, "accounts/invitation_accept.html", context)
    initial = {"first_name": invitation.first_name, "last_name": invitation.last_name}
    form = InvitationAcceptForm(request.POST or None, email=invitation.email, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.accept_invitation(
                token=token,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
            )
        except DomainError as error:
            if error.code in DEAD_INVITATION_CODES:
                return _dead_invitation(request, error)
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                f"Votre compte est créé. Connectez-vous pour rejoindre {invitation.organization}.",
            )
            return redirect("accounts:login")
    context["form"] = form
    return render(request, "accounts/invitation_accept.html", context)


def _join_with_current_account(
    request: HttpRequest, invitation: Invitation, token: str
) -> HttpResponse:
    context = {"invitation": invitation, "mode": "join"}
    if request.user.email.lower() != invitation.email.lower():
        context["mode"] = "wrong_user"
    elif request.method == "POST":
        try:
            membership = services.accept_invitation(token=token, user=request.user)
        except DomainError as error:
            if error.code in DEAD_INVITATION_CODES:
                return _dead_invitation(request, error)
            context["error"] = error.message
        else:
            switch_organization(request, membership.organization)
            messages.success(request, f"Bienvenue dans {membership.organization} !")
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", context)
