/* Starts Pagefind's default UI on the search page and runs the query from ?q= (the masthead box).
   The index is built in parts (issue 11): pagefind/ is the first, and pagefind/parts.json lists the
   others, which Pagefind merges at search time so results and filters span every part. */
(function () {
  "use strict";
  var host = document.getElementById("search");
  if (!host || typeof window.PagefindUI !== "function") {
    return;
  }
  // The bundle and result URLs live under the site's base path, which may be a subpath.
  var bundle = host.getAttribute("data-bundle");
  var base = host.getAttribute("data-base");

  function start(parts) {
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      baseUrl: base,
      // Each part names its own folder; its results link under the same base as the first's.
      mergeIndex: parts.map(function (folder) {
        return { bundlePath: bundle + folder, baseUrl: base };
      }),
      showImages: true,
      showSubResults: true,
      autofocus: !window.location.search
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }

  function listed(text) {
    var parts = JSON.parse(text).parts;
    return Array.isArray(parts) ? parts.filter(function (p) { return typeof p === "string"; }) : [];
  }

  fetch(bundle + "parts.json")
    .then(function (response) { return response.ok ? response.text() : '{"parts": []}'; })
    .then(listed)
    .catch(function () { return []; })  // an index in one part (or an older build) has nothing to merge
    .then(start);

  // Keep ?q= in step with what is typed, so a search can be bookmarked or shared.
  host.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.classList || !target.classList.contains("pagefind-ui__search-input")) {
      return;
    }
    var url = new URL(window.location.href);
    if (target.value) {
      url.searchParams.set("q", target.value);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url);
  });
})();
