// The appeal form's live character counter: it turns red at the limit.
(function () {
  const text = document.getElementById("text");
  const counter = document.getElementById("text-counter");
  if (!text || !counter) return;
  const count = counter.querySelector("[data-count]");
  const limit = Number(text.getAttribute("maxlength"));
  function update() {
    count.textContent = text.value.length;
    const full = text.value.length >= limit;
    counter.classList.toggle("at-limit", full);
    text.classList.toggle("at-limit", full);
  }
  text.addEventListener("input", update);
  update();
})();
