package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/crypto/bcrypt"
)

// hashPasswordCommand prints the bcrypt hash of the password on stdin, for
// a dashboard user's passwordHash. The password is read from stdin, never
// from an argument, so that it stays out of the shell history and ps.
func hashPasswordCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "hash-password",
		Usage: "read a password (one line) on stdin and print its bcrypt hash for dashboard.users[].passwordHash",
		Action: func(c *cli.Context) error {
			h, err := hashPassword(c.App.Reader)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, h)
			return nil
		},
	}
}

// hashPassword hashes the first line of r with bcrypt's default cost.
func hashPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("empty password: type one line on stdin")
	}
	if len(pw) > 72 {
		return "", errors.New("password longer than 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}
