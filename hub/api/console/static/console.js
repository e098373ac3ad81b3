// The console's only script: pages work without it; it adds live progress and confirmations.
"use strict";

// An element with data-poll="URL" is refreshed from URL every second until the fragment it
// receives carries data-final (a replay that is done or failed).
function poll(element) {
  const tick = async () => {
    try {
      const answer = await fetch(element.dataset.poll, { credentials: "same-origin" });
      if (answer.ok) {
        element.innerHTML = await answer.text();
      }
    } catch (error) {
      // the next tick tries again
    }
    if (!element.querySelector("[data-final]")) {
      setTimeout(tick, 1000);
    }
  };
  if (!element.querySelector("[data-final]")) {
    setTimeout(tick, 1000);
  }
}

// A form with data-confirm="question" is sent only once the question is answered yes.
function confirmed(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-poll]").forEach(poll);
  document.querySelectorAll("form[data-confirm]").forEach(confirmed);
});
