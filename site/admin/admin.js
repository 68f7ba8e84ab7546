// The insights page: asks for the admin token once per tab, then shows the worker's report. The report
// (figures, tables and SVG charts) is rendered and escaped by the worker; this script only fetches it
// with the token, keeps the filters in the address and exports the CSV.
const TOKEN_KEY = "edgedesk-admin-token";
const element = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem(TOKEN_KEY);

class SignedOut extends Error {}

function say(text, isError = false) {
  element("status").textContent = text;
  element("status").classList.toggle("error", isError);
}

function show(signedIn, problem = "") {
  element("sign-in").hidden = signedIn;
  element("filters").hidden = !signedIn;
  element("sign-out").hidden = !signedIn;
  element("sign-in-error").textContent = problem;
  if (!signedIn) {
    element("report").replaceChildren();
    say("");
    element("token").focus();
  }
}

/// The filters as the worker's query string; empty fields use the worker's defaults.
function filters() {
  const query = new URLSearchParams();
  for (const name of ["from", "to", "product"]) {
    const value = element(name).value;
    if (value) query.set(name, value);
  }
  return query;
}

async function call(path) {
  const response = await fetch(`${path}?${filters()}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    show(false, "That token was not accepted. Check the worker's ADMIN_TOKEN.");
    throw new SignedOut();
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new Error(body?.error?.message ?? `The worker answered ${response.status}.`);
  }
  return response;
}

async function load() {
  say("Loading…");
  document.body.removeAttribute("data-loaded");
  try {
    const [insights, page] = await Promise.all([
      call("/api/admin/insights").then((response) => response.json()),
      call("/api/admin/insights.html").then((response) => response.text()),
    ]);
    element("from").value = insights.from;
    element("to").value = insights.to;
    const products = element("product");
    const chosen = insights.product ?? "";
    products.replaceChildren(new Option("All products", ""), ...insights.products.map((name) => new Option(name, name)));
    products.value = chosen;
    history.replaceState(null, "", `?${filters()}`);
    // Rendered by the worker, which escapes everything customers and editors wrote.
    element("report").innerHTML = page;
    say(`${insights.volume.tickets} tickets from ${insights.from} to ${insights.to}.`);
    document.body.dataset.loaded = "true";
  } catch (error) {
    if (!(error instanceof SignedOut)) say(error.message, true);
  }
}

async function exportCsv() {
  try {
    const response = await call("/api/admin/insights.csv");
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = `edgedesk-insights-${element("from").value}-${element("to").value}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    if (!(error instanceof SignedOut)) say(error.message, true);
  }
}

const initial = new URLSearchParams(location.search);
for (const name of ["from", "to"]) element(name).value = initial.get(name) ?? "";
if (initial.get("product")) element("product").replaceChildren(new Option(initial.get("product"), initial.get("product")));

element("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, element("token").value.trim());
  element("token").value = "";
  show(true);
  // The form that had focus is gone: keyboard users continue at the filters.
  element("from").focus();
  load();
});
element("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
element("export").addEventListener("click", exportCsv);
element("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  show(false);
});

if (token()) {
  show(true);
  load();
} else {
  show(false);
}
