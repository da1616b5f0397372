from django.db import migrations


def load_defaults(apps, schema_editor):
    from cases.defaults import BARRIER_TAXONOMY, DEFAULT_SKILLS

    BarrierCategory = apps.get_model("cases", "BarrierCategory")
    Barrier = apps.get_model("cases", "Barrier")
    Skill = apps.get_model("cases", "Skill")
    for position, (code, label, is_health, barriers) in enumerate(BARRIER_TAXONOMY):
        category, _ = BarrierCategory.objects.get_or_create(
            organization=None, code=code,
            defaults={"label": label, "is_health": is_health, "position": position},
        )
        for barrier_position, (barrier_code, barrier_label) in enumerate(barriers):
            Barrier.objects.get_or_create(
                organization=None, code=barrier_code,
                defaults={"category": category, "label": barrier_label,
                          "position": barrier_position},
            )
    for position, (curriculum, code, label, scale_max, pass_mark) in enumerate(DEFAULT_SKILLS):
        Skill.objects.get_or_create(
            organization=None, code=code,
            defaults={"curriculum": curriculum, "label": label, "scale_max": scale_max,
                      "pass_mark": pass_mark, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
