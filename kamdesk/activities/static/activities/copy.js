// "Copy" buttons: data-copy names the id of the input whose value goes to the clipboard. Without
// JavaScript (or clipboard access) the input stays there to select and copy by hand.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    if (status) status.textContent = "Copied to the clipboard.";
  } catch {
    if (status) status.textContent = "Select the address and copy it (Ctrl+C or ⌘C).";
  }
});
