package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const signaturePrefix = "sha256="

// validSignature checks X-Hub-Signature-256: "sha256=" and the hex
// HMAC-SHA256 of the raw body keyed by the webhook secret. Only SHA-256 is
// accepted; GitHub's legacy SHA-1 header is ignored.
func validSignature(secret, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	return err == nil && hmac.Equal(got, bodySum(secret, body))
}

// Sign returns the X-Hub-Signature-256 value GitHub sends with body, for
// tests and benchmarks that act as GitHub.
func Sign(secret, body []byte) string {
	return signaturePrefix + hex.EncodeToString(bodySum(secret, body))
}

func bodySum(secret, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return mac.Sum(nil)
}
