"""The first visit on a phone: compressed assets, the catalog fetched in parallel, visible fast, nothing jumping.

The phone profile is Chromium's own throttling through the DevTools protocol: 4x slower CPU,
1.6 Mbit/s down, 750 kbit/s up, 150 ms round trips (a slow 4G phone). Everything is the live
server's, photos included (they are requested once the grid is drawn, and are not in the budget). No
request is intercepted: Playwright's routing would hold every request for a round trip to the test.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4
# Issue 14: the catalog on screen within 1.2 s of the first visit on that phone.
PHONE_BUDGET_MS = 1200
PHONE_VISITS = 3
# Issue 25: the first photo in view on screen within 1.6 s, before the idle prefetch of the rest.
FIRST_PHOTO_BUDGET_MS = 1600

# Runs before the page's own scripts: records when the first photo card is on screen (the frame
# after it was added) and every layout shift, from the start of the navigation.
MEASURE = """
window.__shifts = [];
window.__longTasks = [];
new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries()))
  .observe({ type: "longtask", buffered: true });
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) {
      window.__shifts.push({ value: entry.value, at: entry.startTime,
        sources: (entry.sources || []).map((s) => s.node ? (s.node.id || s.node.className || s.node.nodeName) : "?") });
    }
  }
}).observe({ type: "layout-shift", buffered: true });
window.__firstPhoto = new Promise((resolve) => {
  document.addEventListener("load", (event) => {
    if (event.target.matches && event.target.matches(".catalog-grid img")) resolve(performance.now());
  }, true);
});
window.__catalogVisible = new Promise((resolve) => {
  const seen = () => {
    if (!document.querySelector(".catalog-grid > li")) return false;
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
    return true;
  };
  new MutationObserver((records, observer) => { if (seen()) observer.disconnect(); })
    .observe(document, { childList: true, subtree: true });
});
"""


def visit(browser, site, profile, *, throttle: bool):
    """Open the site in a new context with `profile`; return (context, page) once the catalog is shown."""
    context = browser.new_context(locale="en-US", timezone_id="UTC", **profile)
    page = context.new_page()
    page.add_init_script(MEASURE)
    if throttle:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(site)
    expect(page.locator(".catalog-grid > li")).to_have_count(4)
    return context, page


def timings(page) -> str:
    """Where the time went, for the failure message: requests (start, first byte, end), long tasks, paints."""
    return page.evaluate(
        """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
          .filter((e) => !e.name.includes("/media/"))
          .map((e) => `${e.name.replace(location.origin, "")} ${Math.round(e.startTime)}/`
            + `${Math.round(e.responseStart)}/${Math.round(e.responseEnd)}`)
          .concat(window.__longTasks.map((t) => `long task ${Math.round(t.startTime)}+${Math.round(t.duration)}`))
          .concat(performance.getEntriesByType("paint").map((e) => `${e.name} ${Math.round(e.startTime)}`))
          .join(", ") + " (ms: start/first byte/end)"
        """
    )


def layout_shift(page) -> tuple[float, list]:
    shifts = page.evaluate("() => window.__shifts")
    return sum(shift["value"] for shift in shifts), shifts


def first_visit_on_a_phone(browser, site) -> tuple[float, list, str]:
    """One visit, nothing cached: when the catalog was visible (ms), the page's requests, the timings."""
    context, page = visit(browser, site, PHONE, throttle=True)
    try:
        visible = page.evaluate("() => window.__catalogVisible")
        # [url, start, end] of each request, and whether it is one of the first script's files.
        entries = page.evaluate(
            """() => {
              const first = new Set([...document.querySelectorAll("script[type=module][src], link[rel=modulepreload]")]
                .map((element) => new URL(element.getAttribute("src") || element.getAttribute("href"), location).href));
              return performance.getEntriesByType("resource")
                .map((e) => [e.name, e.startTime, e.responseEnd, first.has(e.name)]);
            }"""
        )
        return visible, entries, timings(page)
    finally:
        context.close()


def test_the_catalog_is_requested_at_once_and_visible_within_the_budget_on_a_phone(browser, site, photos):
    """On a slow 4G phone the catalog is on screen within 1.2 s, its request sent during the script's download.

    The catalog request starts from the page's head, waiting for no other file (its settings are
    in the page); the first script is what the catalog needs, the rest loads later.  A wall-clock
    time on a shared machine varies with its load, so the best of up to three visits counts (each
    in a new context, nothing cached), stopping at the first within the budget (a loaded two-core
    machine takes 0.9 to 1.3 s a visit; docs/site.md).
    """
    visits = []
    for _ in range(PHONE_VISITS):
        visible, entries, where = first_visit_on_a_phone(browser, site)
        print(f"phone profile, catalog visible after {visible:.0f} ms: {where}")
        visits.append(f"{visible:.0f} ms: {where}")
        [catalog] = [entry for entry in entries if entry[0].endswith("/api/product/")]
        waited_for = [url for url, _, end, _ in entries if end < catalog[1]]
        assert waited_for == [], f"the catalog was requested only once these had arrived: {waited_for}; {where}"
        script_ends = [end for _, _, end, first in entries if first]
        assert script_ends, where
        assert catalog[1] < max(script_ends), f"the catalog was requested after the first script had arrived: {where}"
        checkout = [url for url, start, _, _ in entries if start < visible and re.search(r"/checkout-\w+\.js$", url)]
        assert checkout == [], f"the checkout's code was loaded before the catalog showed: {where}"
        if visible <= PHONE_BUDGET_MS:
            return
    pytest.fail(f"the catalog took over {PHONE_BUDGET_MS} ms to show on a phone, each visit:\n" + "\n".join(visits))


@pytest.mark.parametrize("profile", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_grid_arrives_without_moving_the_page(browser, site, photos, profile):
    """Cumulative layout shift 0 from the first paint until the photos have loaded (throttled, so it shows)."""
    context, page = visit(browser, site, profile, throttle=True)
    try:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        total, shifts = layout_shift(page)
    finally:
        context.close()
    print(f"layout shift: {total} {shifts}")
    assert total == 0, shifts


def test_page_scripts_and_styles_are_sent_precompressed(browser, site, built_site):
    """Brotli for a browser that asks for it: the build's .br files as they are, not compressed per request.

    The page itself carries the server's settings (written in per answer), so it is gzipped as sent.
    """
    context = browser.new_context()
    page = context.new_page()
    answers = []
    page.on("response", lambda response: answers.append(response))
    page.goto(site, wait_until="networkidle")
    own = {
        answer.url[len(site) :] or "index.html": answer
        for answer in answers
        if answer.url == site or answer.url.startswith(f"{site}assets/")
    }
    headers = {name: answer.all_headers() for name, answer in own.items()}
    sent = {name: answer.request.sizes()["responseBodySize"] for name, answer in own.items()}
    asked = own["index.html"].request.all_headers().get("accept-encoding", "")
    context.close()

    assert any(name.endswith(".js") for name in own) and any(name.endswith(".css") for name in own), list(own)
    assert "br" in asked
    page = headers.pop("index.html")
    assert page.get("content-encoding") == "gzip", page
    for name, header in headers.items():
        assert header.get("content-encoding") == "br", (name, header)
        assert "accept-encoding" in header.get("vary", "").lower(), (name, header)
        precompressed = (built_site / f"{name}.br").stat().st_size
        assert int(header["content-length"]) == sent[name] == precompressed, (name, header, sent[name])


def test_the_first_photo_in_view_arrives_within_the_budget_before_the_idle_prefetch_on_a_phone(browser, site, photos):
    """On the slow 4G phone the first photo is shown within 1.6 s, its request sent before Stripe.js or the checkout's.

    The photos in view are fetched at high priority as soon as the grid is drawn, and the idle
    prefetch of the rest of the site (Stripe.js, the checkout, the other views) waits for them
    (images.js, main.js); the best of up to three visits counts, as for the grid.
    """
    visits = []
    for _ in range(PHONE_VISITS):
        context, page = visit(browser, site, PHONE, throttle=True)
        try:
            shown = page.evaluate("() => window.__firstPhoto")
            page.wait_for_load_state("networkidle")
            entries = page.evaluate(
                "() => performance.getEntriesByType('resource').map((e) => [e.name, e.startTime, e.responseEnd])"
            )
            where = timings(page)
        finally:
            context.close()
        photo = min((entry for entry in entries if "/media/thumbs/" in entry[0]), key=lambda entry: entry[1])
        later = [url for url, start, _ in entries if re.search(r"/checkout-\w+\.js$|/js\.stripe\.com/", url) and start]
        print(f"phone profile, first photo shown after {shown:.0f} ms ({photo[0]}, {photo[1]:.0f}-{photo[2]:.0f} ms)")
        visits.append(f"{shown:.0f} ms: {where}")
        first_later = min((start for url, start, _ in entries if url in later), default=float("inf"))
        assert photo[2] <= first_later, f"the idle prefetch started before the first photo had arrived: {where}"
        if shown <= FIRST_PHOTO_BUDGET_MS:
            return
    pytest.fail(f"the first photo took over {FIRST_PHOTO_BUDGET_MS} ms on a phone, each visit:\n" + "\n".join(visits))
