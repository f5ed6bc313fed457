/* Autocomplete of the search box: the ARIA combobox pattern (list autocomplete, focus stays in the box). */
(function () {
  var input = document.getElementById("q"), url = document.body.getAttribute("data-suggest");
  if (!input || !url || !window.fetch) return;
  var list = document.createElement("ul"), items = [], active = -1, timer = 0, asked = "";
  list.id = "q-suggestions"; list.className = "suggestions"; list.hidden = true;
  list.setAttribute("role", "listbox"); list.setAttribute("aria-label", "Suggestions");
  input.parentNode.append(list);
  input.setAttribute("role", "combobox"); input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false"); input.setAttribute("aria-controls", list.id);
  function close() { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
  function show(found) {
    list.textContent = ""; items = found; active = -1;
    found.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.textContent = s.label;
      if (s.url) { li.className = "title"; li.setAttribute("aria-label", "Document : " + s.label); }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
      list.append(li);
    });
    if (!found.length) return close();
    list.hidden = false; input.setAttribute("aria-expanded", "true");
  }
  function move(i) {
    if (list.hidden) return;
    active = (i + items.length) % items.length;
    Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", list.children[active].id);
    list.children[active].scrollIntoView({ block: "nearest" });
  }
  function pick(i) {
    var s = items[i];
    close();
    if (s.url) { location.href = s.url; return; }
    input.value = s.label; input.form.submit();
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value;
    if (text.trim().length < 2) return close();
    timer = setTimeout(function () {
      asked = text;
      fetch(url + "?q=" + encodeURIComponent(text)).then(function (r) { return r.json(); })
        .then(function (data) { if (asked === input.value) show(data.suggestions || []); }, close);
    }, 120);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } move(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(active - 1); }
    else if (e.key === "Enter" && !list.hidden && active >= 0) { e.preventDefault(); pick(active); }
    else if (e.key === "Escape" && !list.hidden) { e.preventDefault(); close(); }
  });
  input.addEventListener("blur", close);
})();
