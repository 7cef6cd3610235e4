// The help centre's only script, and only an enhancement: the pages work without it.
// - Suggestions as you type in the search box: the articles whose titles and passages
//   match, from GET <base>/<lang>/suggest?q=, shown as links under the box.
// - On the contact form, articles that may answer appear as the subject is typed; each
//   link carries the tab's visit id, and the form sends it too, so that the server counts
//   a visit that opened a suggestion and sent no form as deflected.
// - "Chat with us" opens the widget (window.Relais) with the article as context: the
//   widget reports the page, so the agent sees the article, and the bot is told its topic.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  var input = document.getElementById("q");
  var list = document.getElementById("suggestions");
  var heading = document.getElementById("suggest-h");

  /** Lists `items` ({title, url}) as links in `list`, the heading shown when there are some. */
  function show(list, heading, items, suffix) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url + suffix;
      a.textContent = item.title;
      li.appendChild(a);
      list.appendChild(li);
    });
    heading.className = items.length ? "" : "hidden";
  }

  /** Suggests articles in `list` as `input` is typed, from the `url` of the suggestions. */
  function suggestAsTyped(input, list, heading, url, suffix) {
    var timer = null;
    var latest = 0;
    function suggest() {
      var q = input.value.trim();
      var asked = ++latest;
      if (q.length < 3) return show(list, heading, [], suffix);
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
        .then(function (body) { if (asked === latest) show(list, heading, body.articles || [], suffix); })
        .catch(function () { if (asked === latest) show(list, heading, [], suffix); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
  }

  if (form && input && list && heading) suggestAsTyped(input, list, heading, form.getAttribute("data-suggest"), "");

  var contact = document.querySelector("form.contact");
  if (contact) {
    var visit = null;
    try {
      visit = sessionStorage.getItem("relais-help-visit");
    } catch (e) {
      visit = null;
    }
    if (!visit || !/^[0-9a-f-]{8,64}$/.test(visit)) {
      // 32 hex digits (crypto.randomUUID needs HTTPS; getRandomValues does not).
      var bytes = crypto.getRandomValues(new Uint8Array(16));
      visit = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
      try {
        sessionStorage.setItem("relais-help-visit", visit);
      } catch (e) {
        // No storage (private mode): the visit lasts this page.
      }
    }
    document.getElementById("visit").value = visit;
    suggestAsTyped(
      document.getElementById("subject"),
      document.getElementById("deflect"),
      document.getElementById("deflect-h"),
      contact.getAttribute("data-suggest"),
      "?visit=" + encodeURIComponent(visit),
    );
  }

  var chat = document.getElementById("chat");
  function offerChat() {
    if (!chat || !window.Relais) return false;
    chat.hidden = false;
    chat.addEventListener("click", function () {
      window.Relais.open();
    });
    return true;
  }
  if (!offerChat()) {
    var tries = 0;
    var wait = setInterval(function () {
      if (offerChat() || ++tries > 50) clearInterval(wait);
    }, 100);
  }
})();
