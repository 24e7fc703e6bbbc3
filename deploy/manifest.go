package deploy

import _ "embed"

// GitHubAppManifest is the GitHub App manifest (github-app-manifest.json):
// what the App asks for, which the server's setup page posts to GitHub
// with the name, webhook and redirect addresses of the server it runs on.
//
//go:embed github-app-manifest.json
var GitHubAppManifest []byte
