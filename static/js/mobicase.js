// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Submit the organisation switcher as soon as a choice is made.
  const switcher = document.getElementById("org-switcher-select");
  if (switcher) {
    switcher.addEventListener("change", () => switcher.form.requestSubmit());
  }
  // Ask before destructive actions marked with data-confirm.
  document.body.addEventListener("submit", (event) => {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
});
