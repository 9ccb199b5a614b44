// The appeal forms' checks before sending, so a refusal never costs what was typed:
// - a field with data-max-chars counts characters as the server does (code points: an
//   emoji is one; the browser's maxlength would count it as two) and shows the count;
// - a file input with data-max-bytes refuses, next to the field and without sending,
//   files over the budget in total or of a type the server does not accept.
// The server checks all of it again; this only saves the citizen a round trip.
(function () {
  "use strict";
  const characters = (value) => Array.from(value).length;

  for (const field of document.querySelectorAll("[data-max-chars]")) {
    const limit = Number(field.dataset.maxChars);
    const counter = document.getElementById(field.dataset.counter || "");
    const count = counter && counter.querySelector("[data-count]");
    const update = () => {
      const used = characters(field.value);
      if (count) count.textContent = String(used);
      const full = used >= limit;
      if (counter) counter.classList.toggle("at-limit", full);
      field.classList.toggle("at-limit", full);
      field.setCustomValidity(used > limit ? field.dataset.msgTooLong || "" : "");
    };
    field.addEventListener("input", update);
    update();
  }

  for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
    const budget = Number(input.dataset.maxBytes);
    const accepted = (input.getAttribute("accept") || "").split(",").map((a) => a.trim());
    const note = document.getElementById(input.dataset.errorId || "");
    const fits = (file) =>
      accepted.some((a) =>
        a.startsWith(".") ? file.name.toLowerCase().endsWith(a) : file.type === a,
      );
    const check = () => {
      const files = Array.from(input.files || []);
      const odd = files.find((file) => !fits(file));
      const total = files.reduce((sum, file) => sum + file.size, 0);
      let message = "";
      if (odd) message = `«${odd.name}»: ${input.dataset.msgType || ""}`;
      else if (total > budget) message = input.dataset.msgTooLarge || "";
      input.setCustomValidity(message);
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      if (note) {
        note.textContent = message;
        note.hidden = !message;
      }
    };
    input.addEventListener("change", check);
    if (input.form) {
      input.form.addEventListener("submit", (event) => {
        check();
        if (!input.checkValidity()) {
          event.preventDefault();
          input.focus();
        }
      });
    }
    check();
  }
})();
