// Shows the Print button only where JavaScript runs, and prints the page when it is pressed.
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
