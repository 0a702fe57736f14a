/* Starts Pagefind's default UI on the search page and runs the query from ?q= (the masthead box). */
(function () {
  "use strict";
  var host = document.getElementById("search");
  if (!host || typeof window.PagefindUI !== "function") {
    return;
  }
  var ui = new window.PagefindUI({
    element: "#search",
    // The bundle and result URLs live under the site's base path, which may be a subpath.
    bundlePath: host.getAttribute("data-bundle"),
    baseUrl: host.getAttribute("data-base"),
    showImages: true,
    showSubResults: true,
    autofocus: !window.location.search
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
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
