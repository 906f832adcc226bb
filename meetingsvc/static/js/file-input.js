// Every file picker names the chosen file in the page's language (the browser's own says "Choose File").
for (const input of document.querySelectorAll("input.file-input")) {
  const name = document.getElementById(input.id + "-name");
  if (!name) continue;
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    name.textContent = file ? file.name : name.dataset.empty;
    name.classList.toggle("muted", !file);
  });
}
