"""Vehicle and inspection photos: checked by their content, served with the type of that content.

(Case documents and referral attachments are checked by content in cases.services.pathway
.check_upload, tested in tests/cases/test_documents.py and tests/referrals/test_workflow.py.)
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from vehicles.forms import PhotosField, VehicleForm
from vehicles.models import Vehicle


def image(fmt: str, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (20, 120, 60)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("upload", "accepted"),
    [
        (image("JPEG", "rayure.jpg"), True),
        (image("PNG", "rayure.png"), True),
        (image("WEBP", "rayure.webp"), True),
        (image("GIF", "rayure.gif"), False),
        (image("BMP", "rayure.jpg"), False),  # the name claims JPEG; the content says BMP
        (SimpleUploadedFile("rayure.jpg", b"<html><script>alert(1)</script>"), False),
    ],
)
def test_inspection_photos_are_checked_by_their_content(upload, accepted):
    field = PhotosField()

    if accepted:
        assert field.clean([upload]) == [upload]
    else:
        with pytest.raises(Exception) as refused:
            field.clean([upload])
        assert "image" in " ".join(refused.value.messages).lower()


def test_a_vehicle_photo_that_is_not_jpeg_png_or_webp_is_refused_in_french(alice):
    data = {"code": "VAE-09", "kind": "ebike", "label": "Vélo", "status": "available"}
    form = VehicleForm(data, {"photo": image("GIF", "velo.jpg")}, organization=alice.organization)

    assert not form.is_valid()
    assert "n'est pas une image JPEG, PNG ou WebP" in form.errors["photo"][0]


def test_a_photo_is_served_with_the_type_of_its_content_whatever_its_name(login, alice, ebike):
    ebike.photo.save("velo.png", image("PNG", "velo.png"), save=True)

    response = login(alice).get(reverse("vehicles:vehicle_photo", args=[ebike.id]))

    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_stored_file_that_is_no_accepted_image_is_downloaded_not_shown(login, alice, ebike):
    Vehicle.objects.filter(pk=ebike.pk).update(photo="")
    ebike.refresh_from_db()
    ebike.photo.save("velo.jpg", SimpleUploadedFile("velo.jpg", b"<svg onload=alert(1)>"))

    response = login(alice).get(reverse("vehicles:vehicle_photo", args=[ebike.id]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_uploaded_files_have_no_public_url(client, db):
    assert client.get("/media/documents/x.pdf").status_code == 404
