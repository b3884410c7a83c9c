"""The portal in English: a guardian (on a phone) and a coordinator switch language with
the header button and walk their main pages. No Swedish interface text may remain; what is
left in Swedish must be data (names, the family's and staff's own words, places, stored
role titles). Every page declares lang="en" and passes axe with 0 violations.

How "no Swedish" is decided: every visible text node and accessible label of the page
is collected; the database's own strings (all text columns, read in system scope, and
each of their lines) are cut out of it, as is a value the page cut short with "…", and
a few Swedish proper names the English texts keep on purpose; what remains must contain
no å/ä/ö and none of a list of common Swedish words.

The information categories of a consent are fixed vocabulary, not anyone's own words:
they are not cut out as data, so their names and descriptions must show in English
(`InformationCategory.label` / `plain_description`).
"""

from __future__ import annotations

import json
import re

from tests.e2e.conftest import check_accessibility, login_family, login_staff, new_page

# Swedish proper names kept on purpose inside English sentences (institutions, the
# product). "På svenska" needs no entry: the switch back is marked lang="sv".
KEPT_SWEDISH = [
    "Försäkringskassan",
    "Arbetsförmedlingen",
    "Region Sörmland",
    "Samverkansportalen",
]
SWEDISH_WORDS = re.compile(
    r"\b(och|att|inte|för|är|på|eller|finns|ingen|inga|alla|nya|har|som|med|kan|ska|du|din|ditt|dina|vi|"
    r"ett|till|från|om|vad|vem|när|här|samverkan|samverkansmöte|möte|möten|mötet|vårdnadshavare|"
    r"vårdnadshavarna|samtycke|samtycken|samtycket|planen|barnet|barnets|familjen|spara|tillbaka|logga|"
    r"ändra|avbryt|hej|mina|notiser|verksamhet|verksamheten|verksamheter|samordnare|samordnaren|insats|"
    r"insatser|uppgifter|visa|sök)\b",
    re.IGNORECASE,
)
SWEDISH_LETTERS = re.compile(r"[åäöÅÄÖ]")

# Text nodes and accessible names of the page, minus what is marked lang="sv".
COLLECT_TEXT = """() => {
  const out = [];
  const skip = (el) => el.closest('script, style, template, [lang="sv"], [hidden]');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text && !skip(node.parentElement)) out.push(text);
  }
  const attrs = ['aria-label', 'title', 'placeholder', 'alt',
                 'data-text-open', 'data-text-closed', 'data-text-gone'];
  for (const el of document.body.querySelectorAll(attrs.map((a) => `[${a}]`).join(', '))) {
    if (skip(el)) continue;
    for (const attr of attrs) {
      const value = el.getAttribute(attr);
      if (value && value.trim()) out.push(value.replace(/\\s+/g, ' ').trim());
    }
  }
  out.push(document.title);
  return out;
}"""

DATA_STRINGS = """
import json
from django.apps import apps
from django.db import models
from access.scoping import system_scope
from consent.models import InformationCategory
values = set()
with system_scope():
    for model in apps.get_models():
        if model._meta.app_label not in {"portal", "agencies", "cases", "consent", "meetings", "notifications",
                                         "insights", "directory"} or model is InformationCategory:
            continue
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField)) and not f.choices]
        if not fields:
            continue
        for row in model._default_manager.all().values_list(*fields):
            values.update(v for v in row if isinstance(v, str) and len(v.strip()) > 1)
print(json.dumps({"data": sorted(values)}))
"""


def _normalised(values: list[str]) -> list[str]:
    """Each value and each of its lines (a text rendered with |linebreaks is split in
    paragraphs), whitespace collapsed, lower case, longest first."""
    found = set()
    for value in values:
        for part in [value, *value.splitlines()]:
            part = " ".join(part.split()).lower()
            if len(part) > 2:
                found.add(part)
    return sorted(found, key=len, reverse=True)


class Strings:
    """A set of stored strings that can be cut out of a page's text."""

    def __init__(self, values: list[str]) -> None:
        self.values = _normalised(values)
        self.starts = "\x00" + "\x00".join(self.values)

    def strip(self, text: str) -> str:
        """`text` with every value in it removed, and a value cut short at the end
        ("Goal: Elsa går till skolan minst …": the words before "…" start a value)."""
        low = " ".join(text.split()).lower()
        if low.endswith("…"):
            body = low[:-1].rstrip()
            for word in re.finditer(r"\S+", body):
                head = body[word.start() :]
                if len(head) >= 8 and "\x00" + head in self.starts:
                    low = body[: word.start()]
                    break
        for value in self.values:
            if value in low:
                low = low.replace(value, " ")
        return low


class Data:
    """The database's own strings, to tell data from interface text."""

    def __init__(self, server) -> None:  # type: ignore[no-untyped-def]
        found = json.loads(server.shell(DATA_STRINGS).strip().splitlines()[-1])
        self.data = Strings(found["data"])


def _swedish(text: str) -> bool:
    return bool(SWEDISH_LETTERS.search(text) or SWEDISH_WORDS.search(text))


def _interface_text(text: str, strings: Strings) -> str:
    rest = strings.strip(text)
    for kept in KEPT_SWEDISH:
        rest = rest.replace(kept.lower(), " ")
    return rest


def leftover_swedish(page, data: Data) -> list[str]:  # type: ignore[no-untyped-def]
    """The page's texts that are still Swedish once the stored data is cut out."""
    return [text for text in page.evaluate(COLLECT_TEXT) if _swedish(_interface_text(text, data.data))]


def switch_to_english(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="In English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="På svenska").is_visible()


class Walk:
    """Checks each page of a walk."""

    def __init__(self, server) -> None:  # type: ignore[no-untyped-def]
        self.data = Data(server)

    def check(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        assert page.locator("html").get_attribute("lang") == "en", name
        leftovers = leftover_swedish(page, self.data)
        assert leftovers == [], f"Swedish left on {name} ({page.url}):\n" + "\n".join(leftovers)
        check_accessibility(page, name)


def _ids(server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    code = (
        "import json\n"
        "from access.scoping import system_scope\n"
        "from cases.models import Case\n"
        "from meetings.models import Meeting\n"
        "with system_scope():\n"
        "    case = Case.objects.filter(child__first_name='Elsa').order_by('opened_at').first()\n"
        "    meeting = Meeting.objects.filter(case=case).order_by('-starts_at').first()\n"
        "    print(json.dumps({'case': str(case.uuid), 'child': str(case.child.uuid), 'meeting': str(meeting.uuid)}))"
    )
    return json.loads(server.shell(code).strip().splitlines()[-1])


def test_the_guardian_uses_the_portal_in_english(browser, server):
    walk = Walk(server)
    ids = _ids(server)
    page = new_page(browser, server, mobile=True)
    try:
        login_family(page, server, "lena@demo.samverkan.se")
        switch_to_english(page)
        assert page.get_by_role("heading", level=1, name=re.compile(r"^Hello ")).is_visible()
        nav = page.get_by_role("navigation", name="Main menu")
        assert nav.get_by_role("link", name="Consents").is_visible()
        walk.check(page, "english-family-home")

        # Earlier browser tests may have given Lena another child's collaboration: Elsa's.
        page.locator(f'a[href*="{ids["case"]}"]', has_text="Read the plan").click()
        page.wait_for_url(re.compile(r"/familjens-plan/$"))
        assert page.get_by_role("heading", level=1, name="The plan for Elsa").is_visible()
        walk.check(page, "english-family-plan")

        nav.get_by_role("link", name="Consents").click()
        page.wait_for_url("**/samtycke/familj/")
        walk.check(page, "english-family-consents")
        page.get_by_role("link", name=re.compile(r"^(Read and answer|Show the consent)$")).first.click()
        page.wait_for_url(re.compile(r"/samtycke/familj/[0-9a-f-]{36}/$"))
        assert page.get_by_role("heading", name="Who may see what?").is_visible()
        walk.check(page, "english-family-consent-detail")

        page.goto("/moten/")
        walk.check(page, "english-family-meetings")
        page.goto(f"/moten/{ids['meeting']}/")
        walk.check(page, "english-family-meeting")

        nav.get_by_role("link", name="Who has looked?").click()
        page.wait_for_url(re.compile(r"/logg/vem-har-tittat/"))
        if "/vem-har-tittat/" + ids["child"] not in page.url:  # one page per child when there are several
            walk.check(page, "english-family-who-has-looked-children")
            page.locator(f'a[href*="{ids["child"]}"]').first.click()
            page.wait_for_url(re.compile(ids["child"]))
        heading = page.get_by_role("heading", level=1, name=re.compile(r"^Who has looked at information about "))
        assert heading.is_visible()
        walk.check(page, "english-family-who-has-looked")

        # The choice holds until changed back.
        page.get_by_role("button", name="På svenska").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.get_by_role("heading", level=1, name=re.compile(r"^Vem har tittat på uppgifter om ")).is_visible()
    finally:
        page.context.close()


def test_the_coordinator_uses_the_portal_in_english(browser, server):
    walk = Walk(server)
    ids = _ids(server)
    page = new_page(browser, server)
    try:
        login_staff(page, "samordnare@demo.samverkan.se")
        switch_to_english(page)
        nav = page.get_by_role("navigation", name="Main menu")
        assert nav.get_by_role("link", name="My families").is_visible()
        walk.check(page, "english-staff-home")

        nav.get_by_role("link", name="Collaboration", exact=True).click()
        page.wait_for_url("**/samverkan/")
        walk.check(page, "english-staff-cases")

        nav.get_by_role("link", name="My families").click()
        page.wait_for_url("**/samverkan/mina/")
        walk.check(page, "english-staff-caseload")

        page.goto(f"/samverkan/{ids['case']}/")
        assert page.get_by_role("navigation", name="Collaboration around the child").is_visible()
        walk.check(page, "english-staff-collaboration")

        case_nav = page.get_by_role("navigation", name="Collaboration around the child")
        case_nav.get_by_role("link", name="Joint plan", exact=True).click()
        page.wait_for_url(re.compile(r"/plan/$"))
        assert page.get_by_role("heading", name="Actions: who does what and when").is_visible()
        walk.check(page, "english-staff-plan")

        page.goto(f"/samtycke/samverkan/{ids['case']}/")
        walk.check(page, "english-staff-consents")

        page.goto("/moten/")
        walk.check(page, "english-staff-meetings")
        page.goto(f"/moten/{ids['meeting']}/")
        walk.check(page, "english-staff-meeting")
    finally:
        page.context.close()
