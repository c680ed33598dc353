// The WebAuthn ceremonies of the server-rendered pages. Each form marked data-webauthn fetches
// its options from the JSON API, asks the browser's authenticator, puts the signed answer in a
// hidden field and submits the form, so the server does the rest as for any other form.
// Loaded after @simplewebauthn/browser's bundle, which defines window.SimpleWebAuthnBrowser.
const {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  platformAuthenticatorIsAvailable,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} = window.SimpleWebAuthnBrowser;

const messages = {
  NotAllowedError: 'The request was cancelled or timed out. Try again when you are ready.',
  ERROR_CEREMONY_ABORTED: 'The request was cancelled. Try again when you are ready.',
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: 'This security key is already on your account.',
  InvalidStateError: 'This security key is already on your account.',
  SecurityError: 'This page’s address cannot use security keys. Contact the site’s administrator.',
  NotSupportedError: 'This security key or device does not support what is needed. Try another one.',
};

const explain = (error) => messages[error.code] ?? messages[error.name] ?? error.message ?? 'Something went wrong. Try again.';

async function fetchOptions(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error?.message ?? 'Something went wrong. Try again.');
  return json;
}

/** What the options call needs from a registration form: the kind, the device and the password. */
function registrationRequest(form) {
  const data = new FormData(form);
  return { kind: data.get('kind'), device: data.get('device') ?? 'key', password: data.get('password') ?? '' };
}

const ceremonies = {
  async register(form) {
    const optionsJSON = await fetchOptions(form.dataset.options, registrationRequest(form));
    return { field: 'credential', answer: await startRegistration({ optionsJSON }) };
  },
  async authenticate(form) {
    const optionsJSON = await fetchOptions(form.dataset.options, JSON.parse(form.dataset.optionsBody ?? '{}'));
    return { field: 'webauthn', answer: await startAuthentication({ optionsJSON }) };
  },
  async passkey(form) {
    const optionsJSON = await fetchOptions(form.dataset.options, {});
    return { field: 'credential', answer: await startAuthentication({ optionsJSON }) };
  },
  async proof(container) {
    const optionsJSON = await fetchOptions(container.dataset.options, {});
    return { field: 'webauthn', answer: await startAuthentication({ optionsJSON }) };
  },
};

function submitWith(form, field, answer) {
  form.elements.namedItem(field).value = JSON.stringify(answer);
  if (form.elements.namedItem('password')) form.elements.namedItem('password').required = false;
  form.submit();
}

/** Runs one ceremony for `element` (a form, or a proof block inside one) and submits its form. */
async function run(element) {
  const form = element.closest('form');
  const status = element.querySelector('[data-webauthn-status]');
  const button = element.querySelector('[data-webauthn-start]');
  status.textContent = '';
  button.disabled = true;
  try {
    const { field, answer } = await ceremonies[element.dataset.webauthn](element);
    submitWith(form, field, answer);
  } catch (error) {
    status.textContent = explain(error);
    button.disabled = false;
  }
}

/** The proof block stands in for the typed code, so only the form's other fields must be valid first. */
function otherFieldsValid(container) {
  const typed = container.closest('form').elements.namedItem('proof');
  if (typed) typed.required = false;
  const valid = container.closest('form').reportValidity();
  if (typed) typed.required = true;
  return valid;
}

/**
 * Passkeys in the email field's autofill: choosing one signs in at once. It is an offer, not a
 * step, so when it cannot run the page just stays as it is.
 */
async function offerPasskeysInAutofill(form) {
  if (!(await browserSupportsWebAuthnAutofill())) return;
  try {
    const optionsJSON = await fetchOptions(form.dataset.options, {});
    submitWith(form, 'credential', await startAuthentication({ optionsJSON, useBrowserAutofill: true }));
  } catch {
    // Aborted by the passkey button, refused by the browser, or no passkey picked: nothing to say.
  }
}

async function enhance() {
  const supported = browserSupportsWebAuthn();
  const platform = supported && (await platformAuthenticatorIsAvailable());
  for (const notice of document.querySelectorAll('[data-webauthn-unsupported]')) notice.hidden = supported;

  for (const element of document.querySelectorAll('[data-webauthn]')) {
    const usable = supported && (platform || !('platformOnly' in element.dataset));
    if (element.dataset.webauthn === 'platform-only') {
      element.hidden = !platform;
      continue;
    }
    if (!usable) {
      element.querySelector('[data-webauthn-start]')?.setAttribute('disabled', '');
      if ('platformOnly' in element.dataset) document.querySelector('[data-webauthn-unsupported]').hidden = false;
      continue;
    }
    element.hidden = false;
    element.querySelector('[data-webauthn-start]').hidden = false;
    if (element.dataset.webauthn === 'proof') {
      element.querySelector('[data-webauthn-start]').addEventListener('click', () => {
        if (otherFieldsValid(element)) run(element);
      });
    } else {
      element.addEventListener('submit', (event) => {
        event.preventDefault();
        WebAuthnAbortService.cancelCeremony();
        run(element);
      });
    }
    if (element.dataset.webauthn === 'passkey') offerPasskeysInAutofill(element);
  }
}

enhance();
