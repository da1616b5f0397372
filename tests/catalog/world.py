"""Real-shaped territories of Hauts-de-France (and one Breton commune) for the catalogue tests."""

from dataclasses import dataclass

from organizations.models import Territory

Level = Territory.Level


@dataclass
class Places:
    hdf: Territory
    bretagne: Territory
    nord: Territory
    pas_de_calais: Territory
    mel: Territory
    arras_cu: Territory
    lille: Territory
    roubaix: Territory
    arras: Territory
    village: Territory
    rennes: Territory


def _commune(code, name, postcodes, *, region, departement, epci=None, population, rural):
    return Territory.objects.create(
        level=Level.COMMUNE, code=code, name=name, postcodes=postcodes, region=region,
        departement=departement, epci=epci, parent=epci or departement, population=population,
        is_rural=rural,
    )  # fmt: skip


def build_places() -> Places:
    hdf = Territory.objects.create(level=Level.REGION, code="32", name="Hauts-de-France")
    bretagne = Territory.objects.create(level=Level.REGION, code="53", name="Bretagne")
    nord = Territory.objects.create(
        level=Level.DEPARTEMENT, code="59", name="Nord", region=hdf, parent=hdf
    )
    pdc = Territory.objects.create(
        level=Level.DEPARTEMENT, code="62", name="Pas-de-Calais", region=hdf, parent=hdf
    )
    ille = Territory.objects.create(
        level=Level.DEPARTEMENT, code="35", name="Ille-et-Vilaine", region=bretagne,
        parent=bretagne,
    )  # fmt: skip
    mel = Territory.objects.create(
        level=Level.EPCI, code="200093201", name="Métropole Européenne de Lille", kind="ME",
        region=hdf, departement=nord, parent=nord,
    )  # fmt: skip
    arras_cu = Territory.objects.create(
        level=Level.EPCI, code="200033579", name="CU d'Arras", kind="CU", region=hdf,
        departement=pdc, parent=pdc,
    )  # fmt: skip
    return Places(
        hdf=hdf,
        bretagne=bretagne,
        nord=nord,
        pas_de_calais=pdc,
        mel=mel,
        arras_cu=arras_cu,
        lille=_commune("59350", "Lille", "59000 59160 59260 59777 59800", region=hdf,
                       departement=nord, epci=mel, population=236_234, rural=False),
        roubaix=_commune("59512", "Roubaix", "59100", region=hdf, departement=nord, epci=mel,
                         population=98_828, rural=False),
        arras=_commune("62041", "Arras", "62000", region=hdf, departement=pdc, epci=arras_cu,
                       population=41_555, rural=False),
        village=_commune("62063", "Avesnes-le-Comte", "62810", region=hdf, departement=pdc,
                         population=1_840, rural=True),
        rennes=_commune("35238", "Rennes", "35000 35200 35700", region=bretagne,
                        departement=ille, population=225_081, rural=False),
    )  # fmt: skip
