package handlers

import (
	"testing"

	"github.com/composeguard/composeguard/handlers/browsertest"
)

// TestMain closes the one browser the page tests share.
func TestMain(m *testing.M) { browsertest.Main(m) }
