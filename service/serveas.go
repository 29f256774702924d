package service

import "context"

// statusOK is the HTTP status an API request's answer has (the domain
// does not import net/http).
const statusOK = 200

// Server serves requests and finishes their exchanges: the Connector.
type Server interface {
	Serve(ctx context.Context, cred Credentials, req Request) Result
	Finish(x *Exchange) bool
}

// ServeAs carries out req with cred inside x, an Exchange of its own (a
// booking's or a sweep's action, an operator's from the dashboard, with
// its actor set), records the answer an API request would have had (HTTP
// 200) and finishes x: the action is logged, counted and kept in the
// history like an API request.
//
// The scheduler and the sweep runner call it with their Connector as a
// Server: an interface call, so that the operation table, which reaches
// them, does not reach Serve back at initialization.
func ServeAs(ctx context.Context, s Server, x *Exchange, cred Credentials, req Request) Result {
	res := s.Serve(WithExchange(ctx, x), cred, req)
	x.Answered(res, statusOK)
	s.Finish(x)
	return res
}
