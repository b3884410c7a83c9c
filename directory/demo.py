"""Demo entries of the support directory for Eskilstuna, Katrineholm and Region Sörmland.

Called by web.demo.seed inside the system scope; idempotent (an entry is found again
by agency and name). Entries are written directly rather than through
`directory.services.entry_create`, which needs an admin of each keeping agency, and most
demo agencies have none. Contact details are made up for the demo.
"""

from __future__ import annotations

from typing import Any

from agencies.models import Principal
from directory.models import NeedKind, SupportEntry

REGION = "Region Sörmland"
ESKILSTUNA = "Eskilstuna kommun"
KATRINEHOLM = "Katrineholms kommun"
BOTH = [ESKILSTUNA, KATRINEHOLM]

# agency key, principal, municipalities, nationwide, needs, ages, fields
ENTRIES: list[tuple[str, str, list[str], bool, list[str], tuple[int, int], dict[str, str]]] = [
    (
        "hab",
        REGION,
        BOTH,
        False,
        ["disability", "parenting"],
        (0, 17),
        {
            "name": "Barn- och ungdomshabilitering",
            "summary": "Habiliteringen ger stöd till barn och unga med varaktig funktionsnedsättning, till "
            "exempel autism, intellektuell funktionsnedsättning eller rörelsehinder. Ni kan få träffa "
            "arbetsterapeut, fysioterapeut, logoped, psykolog, kurator och specialpedagog.",
            "for_whom": "Barn och unga upp till 18 år som har en varaktig funktionsnedsättning, och deras familjer.",
            "how_to_apply": "Du kan ansöka själv genom att skicka en egen ansökan, eller få en remiss från "
            "barnhälsovården, vårdcentralen, BUP eller elevhälsan.",
            "provider": "Habiliteringen, Region Sörmland",
            "cost": "Kostar inget för barn och unga.",
            "phone": "016-10 50 00",
            "email": "habilitering@demo.samverkan.se",
            "website": "https://www.1177.se",
            "address": "Habiliteringens hus, Eskilstuna",
        },
    ),
    (
        "hab",
        REGION,
        BOTH,
        False,
        ["disability", "parenting", "carers"],
        (0, 17),
        {
            "name": "Föräldrakurser om autism och adhd",
            "summary": "Kurser i grupp där du får kunskap om ditt barns funktionsnedsättning och råd om "
            "vardagen: rutiner, kommunikation och hur du tar hand om dig själv.",
            "for_whom": "Föräldrar och andra närstående till barn som är inskrivna på habiliteringen.",
            "how_to_apply": "Fråga din kontaktperson på habiliteringen. Kurserna startar varje termin.",
            "provider": "Habiliteringen, Region Sörmland",
            "phone": "016-10 50 10",
            "email": "habilitering@demo.samverkan.se",
        },
    ),
    (
        "bup",
        REGION,
        BOTH,
        False,
        ["mental-health"],
        (0, 17),
        {
            "name": "BUP – barn- och ungdomspsykiatri",
            "summary": "BUP hjälper barn och unga med svåra psykiska problem, till exempel depression, svår "
            "ångest, ätstörningar eller tvångssyndrom. BUP gör också utredningar av adhd och autism.",
            "for_whom": "Barn och unga upp till 18 år med psykiska problem som är så svåra att första linjen "
            "inte räcker.",
            "how_to_apply": "Du kan kontakta BUP själv. Du kan också få en remiss från vårdcentralen, "
            "elevhälsan eller första linjen.",
            "provider": "Region Sörmland",
            "cost": "Kostar inget för barn och unga.",
            "phone": "016-10 40 00",
            "website": "https://www.1177.se",
            "address": "Mälarsjukhuset, Eskilstuna",
        },
    ),
    (
        "bup",
        REGION,
        BOTH,
        False,
        ["mental-health"],
        (6, 17),
        {
            "name": "Första linjen för barn och unga",
            "summary": "Samtal och behandling när du mår psykiskt dåligt, till exempel känner oro, är nedstämd "
            "eller har svårt att sova. Första linjen finns för att du ska få hjälp tidigt.",
            "for_whom": "Barn och unga 6–17 år med lätta eller medelsvåra psykiska besvär, och deras föräldrar.",
            "how_to_apply": "Ring eller logga in på 1177 och välj Första linjen. Du behöver ingen remiss.",
            "provider": "Region Sörmland",
            "cost": "Kostar inget för barn och unga.",
            "phone": "016-10 40 40",
            "website": "https://www.1177.se",
        },
    ),
    (
        "bvc",
        REGION,
        BOTH,
        False,
        ["parenting", "disability"],
        (0, 5),
        {
            "name": "Barnhälsovård (BVC)",
            "summary": "BVC följer barnets hälsa, utveckling och växande från födseln tills barnet börjar "
            "förskoleklass. Här får ni vaccinationer, hälsobesök och råd om föräldraskap.",
            "for_whom": "Alla barn 0–5 år och deras föräldrar.",
            "how_to_apply": "Ni får en tid automatiskt när barnet är fött. Ni kan välja vilken BVC ni vill gå till.",
            "provider": "Barnhälsovården, Region Sörmland",
            "cost": "Kostar inget.",
            "phone": "016-10 30 00",
            "address": "Vårdcentralen Fröslunda, Eskilstuna",
        },
    ),
    (
        "skola",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["school", "mental-health"],
        (6, 16),
        {
            "name": "Elevhälsan på Skiftingeskolan",
            "summary": "Skolsköterska, skolkurator, skolpsykolog och specialpedagog hjälper elever som har "
            "det svårt i skolan, mår dåligt eller behöver extra anpassningar eller särskilt stöd.",
            "for_whom": "Elever på Skiftingeskolan och deras vårdnadshavare.",
            "how_to_apply": "Prata med mentorn eller kontakta elevhälsan direkt. Du kan också boka tid hos "
            "skolsköterskan eller kuratorn.",
            "provider": "Skiftingeskolan, Eskilstuna kommun",
            "cost": "Kostar inget.",
            "phone": "016-710 20 30",
            "email": "skola@demo.samverkan.se",
        },
    ),
    (
        "skola-kh",
        KATRINEHOLM,
        [KATRINEHOLM],
        False,
        ["school", "mental-health"],
        (6, 16),
        {
            "name": "Elevhälsan på Sandbäcksskolan",
            "summary": "Elevhälsan arbetar för att alla elever ska må bra och klara skolan. Här finns "
            "skolsköterska, kurator, psykolog och specialpedagog.",
            "for_whom": "Elever på Sandbäcksskolan och deras vårdnadshavare.",
            "how_to_apply": "Kontakta mentorn eller elevhälsan. Du kan också skriva i skolans lärplattform.",
            "provider": "Sandbäcksskolan, Katrineholms kommun",
            "cost": "Kostar inget.",
            "phone": "0150-570 20 30",
        },
    ),
    (
        "soc",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["parenting"],
        (0, 17),
        {
            "name": "Föräldrastöd i grupp",
            "summary": "Kurser för föräldrar om samspel, gränser och konflikter, till exempel ABC för yngre "
            "barn och Komet för barn i skolåldern. Ni träffas i grupp några kvällar.",
            "for_whom": "Alla föräldrar i Eskilstuna med barn 3–17 år. Du behöver inte ha några problem för att gå.",
            "how_to_apply": "Anmäl dig på kommunens webbplats eller ring familjecentralen.",
            "provider": "Socialtjänsten, Eskilstuna kommun",
            "cost": "Kostar inget.",
            "phone": "016-710 40 00",
            "website": "https://www.eskilstuna.se",
        },
    ),
    (
        "soc",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["respite", "disability"],
        (0, 20),
        {
            "name": "Korttidsvistelse (LSS)",
            "summary": "Barnet bor några dagar i månaden på ett korttidshem eller i en stödfamilj. Barnet får "
            "miljöombyte och ni som föräldrar får avlastning.",
            "for_whom": "Barn och unga med en funktionsnedsättning som omfattas av LSS.",
            "how_to_apply": "Ansök hos LSS-handläggare på socialtjänsten. Du kan ringa eller skicka en ansökan "
            "via e-tjänst.",
            "provider": "Socialtjänsten, Eskilstuna kommun",
            "cost": "Kostar inget. Ni betalar för barnets mat.",
            "phone": "016-710 40 50",
            "website": "https://www.eskilstuna.se",
        },
    ),
    (
        "soc",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["leisure", "disability"],
        (7, 25),
        {
            "name": "Kontaktperson",
            "summary": "En kontaktperson är en medmänniska som träffar barnet eller den unga regelbundet, till "
            "exempel för att gå på bio, träna eller prata. Kan ges enligt LSS eller socialtjänstlagen.",
            "for_whom": "Barn och unga som behöver bryta isolering eller få stöd i vardagen.",
            "how_to_apply": "Ansök hos socialtjänsten. En handläggare träffar er och utreder behovet.",
            "provider": "Socialtjänsten, Eskilstuna kommun",
            "cost": "Kostar inget.",
            "phone": "016-710 40 60",
        },
    ),
    (
        "soc",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["carers"],
        (0, 25),
        {
            "name": "Anhörigstöd",
            "summary": "Samtal, samtalsgrupper och föreläsningar för dig som stöttar ett barn eller en "
            "närstående med sjukdom eller funktionsnedsättning. Du kan vara anonym.",
            "for_whom": "Föräldrar, syskon och andra anhöriga i Eskilstuna.",
            "how_to_apply": "Ring anhörigkonsulenten. Du behöver inte ansöka.",
            "provider": "Anhörigcenter, Eskilstuna kommun",
            "cost": "Kostar inget.",
            "phone": "016-710 45 00",
            "email": "anhorig@demo.samverkan.se",
        },
    ),
    (
        "soc-kh",
        KATRINEHOLM,
        [KATRINEHOLM],
        False,
        ["respite", "disability"],
        (0, 20),
        {
            "name": "Korttidsvistelse i Katrineholm (LSS)",
            "summary": "Avlastning för familjen och miljöombyte för barnet på Solrosens korttidshem eller i en "
            "stödfamilj.",
            "for_whom": "Barn och unga med funktionsnedsättning som omfattas av LSS och bor i Katrineholm.",
            "how_to_apply": "Kontakta LSS-handläggarna i Katrineholms kommun.",
            "provider": "Socialtjänsten, Katrineholms kommun",
            "cost": "Kostar inget. Ni betalar för barnets mat.",
            "phone": "0150-570 40 50",
        },
    ),
    (
        "soc-kh",
        KATRINEHOLM,
        [KATRINEHOLM],
        False,
        ["parenting", "carers"],
        (0, 17),
        {
            "name": "Föräldrastöd Katrineholm",
            "summary": "Enskilda samtal och föräldragrupper när det är svårt hemma, till exempel med bråk, "
            "skolfrånvaro eller skärmtid.",
            "for_whom": "Föräldrar med barn 0–17 år som bor i Katrineholm.",
            "how_to_apply": "Ring familjeenheten och boka ett första samtal. Du kan vara anonym.",
            "provider": "Familjeenheten, Katrineholms kommun",
            "cost": "Kostar inget.",
            "phone": "0150-570 41 00",
        },
    ),
    (
        "samordning",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["disability", "carers", "parenting"],
        (0, 17),
        {
            "name": "Koordinator för föräldrar till barn med funktionsnedsättning",
            "summary": "En koordinator hjälper er att få ordning på kontakterna med skola, vård och "
            "socialtjänst, och att hitta det stöd ni har rätt till. Koordinatorn tar inte över ert ansvar.",
            "for_whom": "Familjer i Eskilstuna med barn som har en funktionsnedsättning och många kontakter.",
            "how_to_apply": "Ring Samordningsenheten eller be någon ni har kontakt med att höra av sig.",
            "provider": "Samordningsenheten Barnets bästa, Eskilstuna kommun",
            "cost": "Kostar inget.",
            "phone": "016-710 50 00",
            "email": "samordning@demo.samverkan.se",
        },
    ),
    (
        "samordning",
        REGION,
        [],
        True,
        ["finances", "disability"],
        (0, 19),
        {
            "name": "Omvårdnadsbidrag från Försäkringskassan",
            "summary": "Omvårdnadsbidrag (tidigare vårdbidrag) är pengar till föräldrar som ger sitt barn extra "
            "omvårdnad och tillsyn på grund av sjukdom eller funktionsnedsättning.",
            "for_whom": "Föräldrar till barn som behöver extra omvårdnad i minst sex månader, till och med juni "
            "det år barnet fyller 19.",
            "how_to_apply": "Ansök på Försäkringskassans webbplats. Bifoga ett läkarutlåtande.",
            "provider": "Försäkringskassan",
            "website": "https://www.forsakringskassan.se",
        },
    ),
    (
        "samordning",
        REGION,
        [],
        True,
        ["finances", "disability"],
        (0, 25),
        {
            "name": "Merkostnadsersättning från Försäkringskassan",
            "summary": "Ersättning för extra kostnader som beror på barnets funktionsnedsättning, till exempel "
            "resor till vården, slitage på kläder eller särskild kost.",
            "for_whom": "Föräldrar till barn med funktionsnedsättning som har merkostnader på minst en viss nivå.",
            "how_to_apply": "Ansök på Försäkringskassans webbplats. Spara kvitton och beskriv kostnaderna.",
            "provider": "Försäkringskassan",
            "website": "https://www.forsakringskassan.se",
        },
    ),
    (
        "samordning",
        ESKILSTUNA,
        [ESKILSTUNA],
        False,
        ["leisure", "carers", "disability"],
        (0, 25),
        {
            "name": "Funktionsrättsföreningar i Eskilstuna",
            "summary": "Föreningar där familjer träffar andra i samma situation, får råd om rättigheter och "
            "kan delta i aktiviteter. Funktionsrätt Eskilstuna samlar många av dem.",
            "for_whom": "Barn, unga och familjer som lever med en funktionsnedsättning.",
            "how_to_apply": "Kontakta föreningen direkt. Det är gratis att prova på.",
            "provider": "Funktionsrätt Eskilstuna",
            "cost": "Medlemsavgift i vissa föreningar.",
            "email": "funktionsratt@demo.samverkan.se",
        },
    ),
]


def seed(world: dict[str, Any]) -> dict[str, Any]:
    agencies = world["agencies"]
    principals = {p.name: p for p in Principal.objects.all()}
    needs = {n.code: n for n in NeedKind.objects.all()}
    entries = {}
    for key, principal, municipalities, nationwide, need_codes, (age_min, age_max), fields in ENTRIES:
        agency = agencies[key]
        entry = SupportEntry.objects.filter(agency=agency, name=fields["name"]).first()
        if entry is None:
            entry = SupportEntry(
                agency=agency,
                principal=principals[principal],
                nationwide=nationwide,
                age_min=age_min,
                age_max=age_max,
                **fields,
            )
            entry_needs = [needs[c] for c in need_codes]
            entry.search_text = entry.build_search_text([n.name for n in entry_needs])
            entry.save()
            entry.needs.set(entry_needs)
            entry.municipalities.set([principals[m] for m in municipalities])
        entries[fields["name"]] = entry
    return {"directory_entries": entries}
