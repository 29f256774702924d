// Command bcservice is the Business Connector web service: it logs users into
// and out of Cisco IP phones through the Extension Mobility API of CUCM
// clusters (its manual: cmd/bcservice/README.md).
//
//	bcservice serve --config FILE [--listen ADDR] [--addr-file FILE] [--log-level L] [--log-format json|text]
//	bcservice check-config FILE
//	bcservice hash-password < password
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	if err != nil {
		os.Exit(1)
	}
}

// newApp builds the command line. Flags override BC_* environment variables,
// which override the file.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "bcservice",
		Usage:     "Business Connector web service for CUCM Extension Mobility",
		Version:   readBuildInfo().String(),
		Writer:    stdout,
		ErrWriter: stderr,
		ExitErrHandler: func(c *cli.Context, err error) {
			if err != nil {
				fmt.Fprintln(stderr, "bcservice:", err)
			}
		},
		Commands: []*cli.Command{
			hashPasswordCommand(stdout),
			{
				Name:  "serve",
				Usage: "serve the API",
				Flags: []cli.Flag{
					// Not Required: urfave/cli would print the help without saying what is missing.
					&cli.StringFlag{Name: "config", Usage: "configuration file (YAML), required", EnvVars: []string{"BC_CONFIG"}},
					&cli.StringFlag{Name: "listen", Usage: "listen address, overrides the file's listen", EnvVars: []string{"BC_LISTEN"}},
					&cli.StringFlag{Name: "addr-file", Usage: "write {\"listen\":\"host:port\"} here once bound", EnvVars: []string{"BC_ADDR_FILE"}},
					&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", EnvVars: []string{"BC_LOG_LEVEL"}},
					&cli.StringFlag{Name: "log-format", Usage: "text or json", EnvVars: []string{"BC_LOG_FORMAT"}},
				},
				Action: func(c *cli.Context) error {
					if c.String("config") == "" {
						return errors.New("--config FILE is required (or BC_CONFIG)")
					}
					m := &Main{
						ConfigPath: c.String("config"),
						Listen:     c.String("listen"),
						AddrFile:   c.String("addr-file"),
						LogLevel:   c.String("log-level"),
						LogFormat:  c.String("log-format"),
						Stderr:     stderr,
					}
					return m.Run(c.Context)
				},
			},
			{
				Name:      "check-config",
				Usage:     "validate a configuration file",
				ArgsUsage: "FILE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return fmt.Errorf("check-config needs exactly one FILE argument")
					}
					m := &Main{ConfigPath: c.Args().First()}
					if _, err := m.LoadConfig(); err != nil {
						return err
					}
					fmt.Fprintln(stdout, "config OK")
					return nil
				},
			},
		},
	}
}
