"""Two-factor helpers for tests: a confirmed TOTP device and the code it shows now."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice:
    """Return the user's confirmed TOTP device, creating one if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Téléphone de test", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the device shows now; it may be used again (the device forgets its last one)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
