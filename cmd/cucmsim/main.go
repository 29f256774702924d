// Command cucmsim serves simulated CUCM clusters (EMService, AXL doAuthenticateUser and a
// control API) from a topology file; see its manual, cmd/cucmsim/README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cucmsim:", err)
		os.Exit(1)
	}
}
