// Passkeys (WebAuthn) for the second-factor pages: ask the server for options, call the
// browser's credential API, send the result back. No library: base64url <-> bytes only.
(function () {
  "use strict";

  function toBytes(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    bytes.forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrf(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  async function post(form, url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), "Content-Type": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) { throw new Error(data.detail || "Refused."); }
    return data;
  }

  function fail(form, error) {
    const box = form.querySelector("[data-testid=passkey-error]");
    box.textContent = String(error.message || error);
    box.hidden = false;
  }

  function credentialJson(credential) {
    const response = credential.response;
    const out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return out;
  }

  async function register(form) {
    const options = await post(form, form.dataset.options);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.create({ publicKey: options });
    const name = encodeURIComponent(form.querySelector("[name=name]").value);
    await post(form, `${form.dataset.register}?name=${name}`, credentialJson(credential));
    window.location.assign(form.dataset.done);
  }

  async function authenticate(form) {
    const options = await post(form, form.dataset.options);
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.get({ publicKey: options });
    await post(form, form.dataset.authenticate, credentialJson(credential));
    window.location.assign(form.dataset.done || "/");
  }

  function bind(id, action) {
    const form = document.getElementById(id);
    if (!form) { return; }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      action(form).catch((error) => fail(form, error));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    bind("passkey-register", register);
    bind("passkey-authenticate", authenticate);
  });
})();
