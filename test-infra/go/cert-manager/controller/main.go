// Command controller runs cert-manager's own controllers out of cluster for dr-drill's local
// target. cert-manager publishes its controller's main package only in a nested module
// (cmd/controller, module path github.com/cert-manager/cert-manager/controller-binary, which
// requires cert-manager v0.0.0 through a ../../ replace), so the Go module proxy cannot serve it;
// this main starts the controllers of the served root module instead, the way that main does:
// cert-manager's ContextFactory, the constructors its controller packages register, the shared
// informers started after every controller has registered its own. Everything that decides a
// Ready condition is cert-manager's code; this file only chooses which controllers run.
//
// No leader election (one replica, out of cluster), no webhook, no metrics server: /readyz on
// --health-addr answers 200 once the informer caches have synced.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/util"

	// Each controller package registers its constructor with controllerpkg in init.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// The issuer types the (Cluster)Issuer controllers can set up: CA and selfSigned (ACME needs the internet).
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

type options struct {
	kubeconfig               string
	clusterResourceNamespace string
	controllers              []string
	healthAddr               string
	workers                  int
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("cert-manager-controller", flag.ContinueOnError)
	var o options
	var controllers string
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (required: the controller runs out of cluster)")
	fs.StringVar(&o.clusterResourceNamespace, "cluster-resource-namespace", "cert-manager", "namespace of the Secrets that ClusterIssuers refer to")
	fs.StringVar(&controllers, "controllers", "", "comma-separated controllers to run (required), e.g. clusterissuers,certificates-issuing")
	fs.StringVar(&o.healthAddr, "health-addr", "127.0.0.1:0", "address of /readyz and /livez")
	fs.IntVar(&o.workers, "concurrent-workers", 2, "workers per controller")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.kubeconfig == "" {
		return o, errors.New("--kubeconfig is required")
	}
	for _, name := range strings.Split(controllers, ",") {
		if name = strings.TrimSpace(name); name != "" {
			o.controllers = append(o.controllers, name)
		}
	}
	if len(o.controllers) == 0 {
		return o, errors.New("--controllers is required")
	}
	known := controllerpkg.Known()
	for _, name := range o.controllers {
		if _, ok := known[name]; !ok {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			slices.Sort(names)
			return o, fmt.Errorf("unknown controller %q; known: %s", name, strings.Join(names, ", "))
		}
	}
	return o, nil
}

func serveHealth(addr string, ready *atomic.Bool) (*http.Server, error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()
	fmt.Fprintf(os.Stderr, "health endpoints on http://%s\n", listener.Addr())
	return server, nil
}

func run(ctx context.Context, o options) error {
	var ready atomic.Bool
	health, err := serveHealth(o.healthAddr, &ready)
	if err != nil {
		return fmt.Errorf("health endpoint: %w", err)
	}
	defer health.Close()

	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         o.kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions:      controllerpkg.IssuerOptions{ClusterResourceNamespace: o.clusterResourceNamespace},
		// cert-manager's own defaults (--certificate-request-minimum/maximum-backoff-duration).
		CertificateOptions: controllerpkg.CertificateOptions{
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	})
	if err != nil {
		return err
	}
	type named struct {
		name string
		ctrl controllerpkg.Interface
	}
	var controllers []named
	for _, name := range o.controllers {
		ctrl, err := controllerpkg.Known()[name](factory)
		if err != nil {
			return fmt.Errorf("controller %s: %w", name, err)
		}
		controllers = append(controllers, named{name, ctrl})
	}
	// The shared informers every controller registered with are started once all have registered.
	shared, err := factory.Build("informers")
	if err != nil {
		return err
	}
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.SharedInformerFactory.Start(ctx.Done())

	var wg sync.WaitGroup
	errs := make(chan error, len(controllers))
	for _, c := range controllers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Fprintf(os.Stderr, "starting controller %s\n", c.name)
			if err := c.ctrl.Run(o.workers, ctx); err != nil {
				errs <- fmt.Errorf("controller %s: %w", c.name, err)
			}
		}()
	}
	shared.KubeSharedInformerFactory.WaitForCacheSync(ctx.Done())
	shared.SharedInformerFactory.WaitForCacheSync(ctx.Done())
	if ctx.Err() == nil {
		ready.Store(true)
		fmt.Fprintf(os.Stderr, "cert-manager %s controllers running: %s\n", util.AppVersion, strings.Join(o.controllers, ","))
	}
	wg.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		failed = append(failed, err)
	}
	return errors.Join(failed...)
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0) // the usage is printed
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
