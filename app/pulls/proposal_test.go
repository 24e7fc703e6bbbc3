package pulls_test

import (
	"testing"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/pulls"
)

func TestBranch(t *testing.T) {
	update := func(image, from, to string, kind bump.UpdateType, group string) bump.Update {
		return bump.Update{Image: image, From: bump.TagDigest{Tag: from}, To: bump.TagDigest{Tag: to, Digest: "sha256:0123456789abcdef"}, Type: kind, Group: group}
	}
	for _, tc := range []struct {
		u    bump.Update
		want string
	}{
		{update("postgres", "16.2-alpine", "16.4-alpine", bump.UpdateMinor, ""), "composeguard/postgres-16.x"},
		{update("postgres", "16.2", "16.2.1", bump.UpdatePatch, ""), "composeguard/postgres-16.x"},
		{update("postgres", "16.2-alpine", "17.2-alpine", bump.UpdateMajor, ""), "composeguard/postgres-17"},
		{update("traefik", "v2.11.3", "v2.11.4", bump.UpdatePatch, ""), "composeguard/traefik-2.x"},
		{update("traefik", "v2.11.3", "v3.2.0", bump.UpdateMajor, ""), "composeguard/traefik-3"},
		{update("bitnami/redis", "7.2", "7.4", bump.UpdateMinor, ""), "composeguard/bitnami-redis-7.x"},
		{update("ghcr.io/Org/App", "1.0", "1.1", bump.UpdateMinor, ""), "composeguard/ghcr.io-org-app-1.x"},
		{update("localhost:5000/app", "1.0", "1.1", bump.UpdateMinor, ""), "composeguard/localhost-5000-app-1.x"},
		{update("nginx", "stable-alpine", "stable-alpine", bump.UpdateDigest, ""), "composeguard/nginx-stable-alpine"},
		{update("nginx", "1.27", "1.27", bump.UpdatePin, ""), "composeguard/nginx-1.27"},
		{update("postgres", "16.2", "16.4", bump.UpdateMinor, "Data stores!"), "composeguard/data-stores"},
		{update("postgres", "16.2", "17.2", bump.UpdateMajor, "Data stores!"), "composeguard/major-data-stores"},
		{update("odd..name", "1", "2", bump.UpdateMajor, ""), "composeguard/odd.name-2"},
	} {
		if got := pulls.Branch(tc.u); got != tc.want {
			t.Errorf("%s %s → %s (%s, group %q): branch %s, want %s", tc.u.Image, tc.u.From.Tag, tc.u.To.Tag, tc.u.Type, tc.u.Group, got, tc.want)
		}
	}
}
