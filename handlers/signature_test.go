package handlers

import "testing"

// GitHub publishes these values for checking an implementation of
// X-Hub-Signature-256 ("Validating webhook deliveries"), so the check is held
// to GitHub's signer and not only to Sign, which shares its code.
func TestSignatureMatchesGitHubsExample(t *testing.T) {
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello, World!")
	const header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if !validSignature(secret, body, header) {
		t.Errorf("GitHub's example signature %s is refused", header)
	}
	if validSignature(secret, []byte("Hello, World?"), header) {
		t.Error("the example signature is accepted for another body")
	}
}
