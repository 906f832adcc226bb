// Every form is checked by the server, which answers in the interface's language.
// The browser's own checks would answer first, in the browser's language ("Please fill
// out this field."), so they are turned off; required fields still say so to assistive
// technology (aria-required).
for (const form of document.forms) {
  form.noValidate = true;
}
