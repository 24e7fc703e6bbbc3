package config

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// StoredAppFile is the file in the data folder holding the GitHub App the
// setup page registered.
const StoredAppFile = "github-app.json"

// StoredApp is a GitHub App the setup page registered: what the server
// needs to act as it, read at start when no forge is configured otherwise.
type StoredApp struct {
	ID            int64  `json:"id"`
	Slug          string `json:"slug"`
	PEM           Secret `json:"pem"`
	WebhookSecret Secret `json:"webhook_secret"`
}

// storedJSON is StoredApp as written: Secret marshals as itself only here.
type storedJSON struct {
	ID            int64  `json:"id"`
	Slug          string `json:"slug"`
	PEM           string `json:"pem"`
	WebhookSecret string `json:"webhook_secret"`
}

// SaveApp writes app to the data folder dir, readable by its owner alone,
// and returns the file's path. It never replaces an App already stored:
// setup runs once.
func SaveApp(dir string, app StoredApp) (string, error) {
	if err := checkRSAKey([]byte(app.PEM.Reveal())); err != nil || app.ID <= 0 || app.WebhookSecret == "" {
		return "", errors.New("the App GitHub returned lacks an id, an RSA key or a webhook secret")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	body, err := json.Marshal(storedJSON{app.ID, app.Slug, app.PEM.Reveal(), app.WebhookSecret.Reveal()})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, StoredAppFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(body); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// SetupCodeFile is the file in the data folder holding the code the setup
// page asks for: only who can read the server's files registers its App,
// not whoever reaches the page first.
const SetupCodeFile = "setup-code"

// SetupCode returns the set-up code kept in dir, made (readable by its
// owner alone) the first time, and the file's path. The code is never
// logged: the page and the log name the file.
func SetupCode(dir string) (code, path string, err error) {
	path = filepath.Join(dir, SetupCodeFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", path, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		kept, err := os.ReadFile(path)
		if code = strings.TrimSpace(string(kept)); err != nil || len(code) < 32 {
			return "", path, fmt.Errorf("%s holds no set-up code: delete it to make a new one (%v)", path, err)
		}
		return code, path, nil
	case err != nil:
		return "", path, err
	}
	code = hex.EncodeToString(b)
	if _, err := f.Write([]byte(code + "\n")); err != nil {
		f.Close()
		os.Remove(path)
		return "", path, err
	}
	return code, path, f.Close()
}

// readStoredApp reads the App stored in dir; ok is false when there is
// none.
func readStoredApp(dir string) (app StoredApp, path string, ok bool, err error) {
	path = filepath.Join(dir, StoredAppFile)
	body, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return app, path, false, nil
	}
	if err != nil {
		return app, path, false, dataDirSetting.errorf("holds %s, which cannot be read: %v", StoredAppFile, err)
	}
	var s storedJSON
	if err := json.Unmarshal(body, &s); err != nil || s.ID <= 0 || s.WebhookSecret == "" || checkRSAKey([]byte(s.PEM)) != nil {
		return app, path, false, dataDirSetting.errorf("holds %s, which is not a GitHub App the setup page wrote", StoredAppFile)
	}
	return StoredApp{ID: s.ID, Slug: s.Slug, PEM: Secret(s.PEM), WebhookSecret: Secret(s.WebhookSecret)}, path, true, nil
}

// fromStoredApp configures the server as the App the setup page stored
// in the data folder, or for set-up when there is none.
func fromStoredApp(c *Config) error {
	app, path, ok, err := readStoredApp(c.DataDir)
	if err != nil || !ok {
		c.Setup = err == nil
		return err
	}
	c.AppID, c.PrivateKeyFile, c.PrivateKey, c.WebhookSecret = app.ID, path, app.PEM, app.WebhookSecret
	return nil
}
