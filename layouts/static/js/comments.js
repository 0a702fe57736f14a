/* Loads the comments embed described in #comments-config only when the reader comes near the
   comments (load: scroll) or asks for them, so the provider sees no request before that. */
(function () {
  "use strict";
  var box = document.getElementById("comments");
  var data = document.getElementById("comments-config");
  if (!box || !data) {
    return;
  }
  var config = JSON.parse(data.textContent);
  var button = box.querySelector(".comments-load");
  var thread = box.querySelector(".comments-thread");
  var observer = null;
  var loaded = false;

  function setAttributes(element, attributes) {
    Object.keys(attributes || {}).forEach(function (name) {
      element.setAttribute(name, attributes[name]);
    });
  }

  function load() {
    if (loaded) {
      return;
    }
    loaded = true;
    if (observer) {
      observer.disconnect();
    }
    if (button) {
      button.hidden = true;
    }
    Object.keys(config.globals || {}).forEach(function (name) {
      window[name] = config.globals[name];
    });
    if (config.holder) {
      var holder = document.createElement(config.holder.tag);
      setAttributes(holder, config.holder.attributes);
      thread.appendChild(holder);
    }
    var script = document.createElement("script");
    setAttributes(script, config.attributes);
    script.src = config.script;
    script.async = true;
    thread.appendChild(script);
  }

  if (button) {
    button.addEventListener("click", load);
  }
  if (config.load === "scroll" && "IntersectionObserver" in window) {
    observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        load();
      }
    }, { rootMargin: "600px 0px" });
    observer.observe(box);
  }
})();
