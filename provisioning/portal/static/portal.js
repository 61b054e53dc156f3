// The portal's only script: copy buttons, and progress of long work that polls until done.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  field.select();
  if (navigator.clipboard) navigator.clipboard.writeText(field.value);
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress-url]").forEach((box) => {
    const bar = box.querySelector("progress");
    const text = box.querySelector("[data-progress-text]");
    const poll = () => fetch(box.dataset.progressUrl, {credentials: "same-origin"})
      .then((r) => r.json()).then((p) => {
        bar.max = p.total || 1; bar.value = p.done;
        text.textContent = p.label;
        if (p.finished) { box.dataset.finished = "true"; } else { setTimeout(poll, 1000); }
      }).catch(() => setTimeout(poll, 3000));
    poll();
  });
});
