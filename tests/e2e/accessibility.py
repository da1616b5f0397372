"""A few axe-like checks every page must pass: French language, a skip link to the main
content, one h1, and no form control, image or button without an accessible name."""

import re

from playwright.sync_api import Page, expect

# Every page title names the page, then the product.
PAGE_TITLE = re.compile(r"\S.* · Mobicase$")

# Form controls, images and buttons whose accessible name is empty (labels, aria-label,
# aria-labelledby, title, alt or button text all count). Hidden inputs are skipped.
UNNAMED_ELEMENTS_JS = """
() => {
  const named = (el) => {
    if (el.getAttribute('aria-label')?.trim()) return true;
    const ids = el.getAttribute('aria-labelledby');
    if (ids && ids.split(/\\s+/).some((id) => document.getElementById(id)?.textContent.trim())) {
      return true;
    }
    if (el.title?.trim()) return true;
    if (el.tagName === 'IMG') return el.hasAttribute('alt');
    if (el.tagName === 'BUTTON') return el.textContent.trim() !== '';
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) {
      return (el.value || '').trim() !== '';
    }
    return Array.from(el.labels || []).some((label) => label.textContent.trim() !== '');
  };
  const describe = (el) => el.outerHTML.slice(0, 160);
  return Array.from(document.querySelectorAll('input, select, textarea, button, img'))
    .filter((el) => !(el.tagName === 'INPUT' && el.type === 'hidden'))
    .filter((el) => !named(el))
    .map(describe);
}
"""


def assert_basic_accessibility(page: Page) -> None:
    """Fail with the offending markup when the current page misses a basic accessibility rule."""
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_title(PAGE_TITLE)
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_have_count(1)
    target = skip_link.get_attribute("href")
    assert target and target.startswith("#"), f"Lien d'évitement sans ancre : {target!r}"
    expect(page.locator(target)).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).not_to_be_empty()
    unnamed = page.evaluate(UNNAMED_ELEMENTS_JS)
    assert not unnamed, "Éléments sans nom accessible :\n" + "\n".join(unnamed)
