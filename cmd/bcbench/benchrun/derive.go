package benchrun

// The scenarios' names; the derived figures look rows up by name and mode.
const (
	scDirectQuery = "direct deviceUserQuery"
	scViaQuery    = "via-service getloggedinuser"
	scRefQuery    = "reference getloggedinuser"
	scDirectCycle = "direct login+logout"
	scViaCycle    = "via-service login+logout"
	scRefCycle    = "reference login+logout"
)

// Share targets: what bcservice must keep of the reference hop's throughput ratio. Logins
// cost more of the service's own work (limiter, device lock, audit) than a query does.
const (
	queryShareTarget = 0.90
	cycleShareTarget = 0.85
)

// derive computes the figures that compare scenarios: via-service over direct, the added
// latencies, and bcservice's share of the reference hop for queries and login+logout.
func (r *Result) derive(closedMode, openMode string) {
	directQ, viaQ, refQ := r.rps(scDirectQuery, closedMode), r.rps(scViaQuery, closedMode), r.rps(scRefQuery, closedMode)
	if directQ > 0 {
		r.ViaDirectRatio = viaQ / directQ
	}
	directOpen, viaOpen, refOpen := r.find(scDirectQuery, openMode), r.find(scViaQuery, openMode), r.find(scRefQuery, openMode)
	r.AddedP50Ms = ms(viaOpen.p50 - directOpen.p50)
	r.AddedP99Ms = ms(viaOpen.p99 - directOpen.p99)
	r.RefAddedP50Ms = ms(refOpen.p50 - directOpen.p50)
	r.Shares = []HopShare{
		hopShare("getloggedinuser", directQ, viaQ, refQ, queryShareTarget),
		hopShare("login+logout", r.rps(scDirectCycle, closedMode), r.rps(scViaCycle, closedMode), r.rps(scRefCycle, closedMode), cycleShareTarget),
	}
}

// find returns the scenario row with name and mode (the zero row if there is none).
func (r *Result) find(name, mode string) ScenarioResult {
	for _, s := range r.Scenarios {
		if s.Name == name && s.Mode == mode {
			return s
		}
	}
	return ScenarioResult{}
}

func (r *Result) rps(name, mode string) float64 { return r.find(name, mode).RPS }
