package forgekit

import "sync"

// Login is the account a client writes as, asked of the forge until it
// answers once; a failure is asked again on the next call.
type Login struct {
	mu    sync.Mutex
	login string
}

// Get returns the login, asking for it with ask the first time.
func (l *Login) Get(ask func() (string, error)) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.login != "" {
		return l.login, nil
	}
	login, err := ask()
	if err != nil {
		return "", err
	}
	l.login = login
	return login, nil
}
