"""What a person sees, measured in the browser: contrast, target sizes, overflow."""

# WCAG 2.x relative luminance and contrast of an element's text against its first opaque background.
CONTRAST_JS = """
element => {
  const channels = colour => colour.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  };
  let background = null;
  for (let node = element; node; node = node.parentElement) {
    const value = channels(getComputedStyle(node).backgroundColor);
    if (value.length < 4 || value[3] > 0) { background = value; break; }
  }
  background = background || [255, 255, 255];
  const text = channels(getComputedStyle(element).color);
  const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}
"""


def contrast(locator) -> float:
    """The contrast ratio of the element's text against the background it is painted on."""
    return locator.evaluate(CONTRAST_JS)


def size(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["width"], box["height"]


def horizontal_overflow(page) -> int:
    """How many pixels wider than the viewport the page is (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def too_wide(page) -> list[str]:
    """The innermost elements that reach past the viewport's right edge, for a failing test's message."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
          .slice(0, 5)
          .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`
            + ` right=${Math.round(e.getBoundingClientRect().right)}`)"""
    )
