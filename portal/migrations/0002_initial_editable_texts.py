"""Default editable texts. Law references live here as content, not in code (rule 16)."""

from django.db import migrations

TEXTS = {
    "accessibility-statement": (
        "Tillgänglighetsredogörelse",
        "Samverkansportalen ska kunna användas av så många som möjligt. Den här redogörelsen "
        "beskriver hur portalen uppfyller lagen (2018:1937) om tillgänglighet till digital "
        "offentlig service, kända brister och hur du kan rapportera problem.\n\n"
        "Portalen är byggd för att uppfylla WCAG 2.1 på nivå AA. Sidorna går att använda med "
        "tangentbord, skärmläsare och förstoring, och fungerar i mobilen. Varje sida kontrolleras "
        "automatiskt med axe-core i våra tester.\n\n"
        "Om du inte kan ta del av något i portalen, kontakta din samordnare eller verksamhetens "
        "administratör så hjälper vi dig på annat sätt. Du kan också kontakta Myndigheten för "
        "digital förvaltning (Digg), som är tillsynsmyndighet.",
        "Accessibility statement: the portal aims to meet WCAG 2.1 AA. Contact your coordinator "
        "if anything is hard to use.",
    ),
    "about-portal": (
        "Om portalen och dina uppgifter",
        "Samverkansportalen samordnar stödet runt ett barn när flera verksamheter behöver arbeta "
        "tillsammans: skola, hälso- och sjukvård och socialtjänst. Portalen är inte en journal. "
        "Varje verksamhet dokumenterar i sina egna system. Här finns samverkan: vilka som är med, "
        "samtycken, möten, förberedelser, anteckningar och den gemensamma planen.\n\n"
        "En verksamhet ser bara det som vårdnadshavarna och barnet har samtyckt till. Du kan när "
        "som helst ta tillbaka ett samtycke. Det som redan har lämnats över finns kvar i mottagarens "
        "egna journaler eller akter.\n\n"
        "Varje gång någon tittar på uppgifter om ditt barn sparas det. Under \"Vem har tittat?\" "
        "ser du vem som har läst vad och när.",
        "About the portal: a coordination layer, not a record system. Each agency sees only what "
        "the family has consented to.",
    ),
    "concern-report-duty": (
        "Anmälningsplikt vid oro för ett barn",
        "Den som i sitt arbete får kännedom om eller misstänker att ett barn far illa har en "
        "personlig skyldighet att genast anmäla det till socialnämnden (orosanmälan). Skyldigheten "
        "gäller dig själv: den kan inte lämnas över till samordnaren och den väntar aldrig på "
        "samtycke.\n\n"
        "Lagrum: anmälningsskyldigheten regleras i socialtjänstlagen. Hänvisningen uppdateras av "
        "förvaltningen när lagen ändras.\n\n"
        "Lokal rutin: ring eller skriv till socialtjänstens mottagning i barnets kommun. Utanför "
        "kontorstid: kontakta socialjouren. Vid akut fara: ring 112.\n\n"
        "I portalen antecknar du bara att en anmälan har gjorts, av vem, när och till vilken "
        "kommun – aldrig vad den innehåller. Anteckningen ger ingen annan tillgång till samverkan.",
        "Duty to report concern: a personal duty that never waits for consent. Record only that a "
        "report was made, never its content.",
    ),
    "consent-explained": (
        "Så fungerar samtycke",
        "När du samtycker tillåter du att namngivna verksamheter får se vissa uppgifter om ditt "
        "barn, för ett visst syfte och under en viss tid. Annars gäller sekretess mellan "
        "verksamheterna (offentlighets- och sekretesslagen). Du kan säga nej, begränsa vad som "
        "delas eller ta tillbaka ditt samtycke när som helst. Det som redan har lämnats över finns "
        "kvar i mottagarens egna journaler eller akter.",
        "Consent lifts secrecy between named agencies for named information, a purpose and a "
        "period. You can refuse, narrow or revoke it at any time.",
    ),
}


def add_texts(apps, schema_editor):
    EditableText = apps.get_model("portal", "EditableText")
    for key, (title, body, body_en) in TEXTS.items():
        EditableText.objects.update_or_create(
            key=key, principal=None, defaults={"title": title, "body": body, "body_en": body_en}
        )


def remove_texts(apps, schema_editor):
    apps.get_model("portal", "EditableText").objects.filter(key__in=list(TEXTS), principal=None).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("agencies", "0002_initial")]
    operations = [migrations.RunPython(add_texts, remove_texts)]
