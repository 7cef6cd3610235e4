// The help page's "Ask" button opens the widget (a file, not inline: the server's
// Content-Security-Policy allows no inline script).
document.getElementById("ask").addEventListener("click", () => window.Relais && window.Relais.open());
