package checks

// Options are the rule settings a repository may change in its policy file.
type Options struct {
	// ProxyNetworks names the networks the reverse proxy shares with the
	// services it routes.
	ProxyNetworks []string `yaml:"proxy_networks"`
	// ProxyPorts are host ports that may be published directly next to a
	// reverse proxy: its own HTTP(S) ports and protocols it cannot proxy.
	ProxyPorts []int `yaml:"proxy_ports"`
	// MutableTags are more image tags that move and so pin no version,
	// beyond those that name none (latest, alpine, main).
	MutableTags []string `yaml:"mutable_tags"`
	// HostIPs are interface addresses that are safe to bind published ports to.
	HostIPs []string `yaml:"host_ips"`
	// SensitivePaths are host directories added to the built-in list.
	SensitivePaths []string `yaml:"sensitive_paths"`
	// TmpfsEveryService asks for tmpfs on /tmp and /run in every service,
	// not only in those with a read-only root.
	TmpfsEveryService bool `yaml:"tmpfs_every_service"`
	// PrivilegedContainerPorts also flags container-side ports below 1024,
	// as KICS does.
	PrivilegedContainerPorts bool `yaml:"privileged_container_ports"`
	// RequireDigest asks for every image to be pinned by digest.
	RequireDigest bool `yaml:"require_digest"`
	// DaemonNoNewPrivileges and DaemonLogRotation tell composeguard that the
	// Docker daemon enforces these host-wide (daemon.json), which a compose
	// file cannot show.
	DaemonNoNewPrivileges bool `yaml:"daemon_no_new_privileges"`
	DaemonLogRotation     bool `yaml:"daemon_log_rotation"`
}

// DefaultOptions are the settings when the policy says nothing.
func DefaultOptions() Options {
	return Options{
		ProxyNetworks: []string{"proxy", "traefik", "traefik-public", "traefik_proxy", "caddy", "web"},
		// HTTP(S), then mail and other protocols a web proxy cannot carry.
		ProxyPorts: []int{80, 443, 25, 465, 587, 110, 143, 993, 995, 4190, 53},
	}
}
