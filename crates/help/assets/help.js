// The help centre's only script, and only an enhancement: the pages work without it.
// - Suggestions as you type in the search box: the articles whose titles and passages
//   match, from GET <base>/<lang>/suggest?q=, shown as links under the box.
// - "Chat with us" opens the widget (window.Relais) with the article as context: the
//   widget reports the page, so the agent sees the article, and the bot is told its topic.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  var input = document.getElementById("q");
  var list = document.getElementById("suggestions");
  var heading = document.getElementById("suggest-h");
  var timer = null;
  var latest = 0;

  function show(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      li.appendChild(a);
      list.appendChild(li);
    });
    heading.className = items.length ? "" : "hidden";
  }

  function suggest() {
    var q = input.value.trim();
    var asked = ++latest;
    if (q.length < 3) return show([]);
    fetch(form.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (body) { if (asked === latest) show(body.articles || []); })
      .catch(function () { if (asked === latest) show([]); });
  }

  if (form && input && list) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
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
