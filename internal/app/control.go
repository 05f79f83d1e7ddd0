package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"deputybot"
	"deputybot/bot"
	"deputybot/storage"
	"deputybot/telegram"
)

// The commands that change the record or send messages — `job` and
// `import` — must not do so behind the back of a service that owns the
// embedded store: its updates are not atomic across connections, and one
// process sends for a store. The service therefore serves a control
// socket (HTTP on a Unix socket next to the store's, owner-only), and a
// command that finds the data directory in use hands its work over.

// JobResult is what `deputybot job` did.
type JobResult struct {
	Job string    `json:"job"`
	At  time.Time `json:"at"`
	// Queued messages the job put in the outbox.
	Queued int `json:"queued"`
	// RanBy is the pid of the running service that ran the job and sends
	// its messages, or 0 when this process ran it.
	RanBy int `json:"ranBy,omitempty"`
	// SentBy says who delivers the queued messages: "this command" (then
	// Sent and Refused say how it went), or "the running service".
	SentBy  string `json:"sentBy"`
	Sent    int    `json:"sent"`
	Refused int    `json:"refused"`
}

// ImportResult is what `deputybot import` did.
type ImportResult struct {
	*bot.ImportSummary
	// RanBy is the pid of the running service that imported the file, or
	// 0 when this process did.
	RanBy int `json:"ranBy,omitempty"`
}

// serveControl serves the owner's control socket until the returned stop
// is called.
func serveControl(a *App, log *slog.Logger) (func(), error) {
	e := a.Store.EmbeddedStore()
	path := e.ControlPath()
	_ = os.Remove(path) // left by a process that died; we own the directory now
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /job", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		at, err := time.Parse(time.RFC3339Nano, r.URL.Query().Get("at"))
		if err != nil {
			http.Error(w, "at: "+err.Error(), http.StatusBadRequest)
			return
		}
		n, err := a.Scheduler.RunJob(r.Context(), name, at)
		if err != nil {
			log.Error("job from the command line failed", "job", name, "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		log.Info("ran a job for the command line", "job", name, "at", at, "queued", n)
		writeJSON(w, JobResult{Job: name, At: at, Queued: n, RanBy: os.Getpid(), SentBy: "the running service"})
	})
	mux.HandleFunc("POST /import", func(w http.ResponseWriter, r *http.Request) {
		lang, ok := deputybot.ParseLanguage(r.URL.Query().Get("lang"))
		if !ok {
			lang = deputybot.DefaultLanguage
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum, err := a.Bot.ImportRoster(r.Context(), nil, 0, lang, data)
		if err != nil {
			status := http.StatusInternalServerError
			if deputybot.ErrorCode(err) != deputybot.EINTERNAL {
				status = http.StatusBadRequest
				err = errors.New(a.Bot.Texts().ErrorText(lang, err))
			}
			http.Error(w, err.Error(), status)
			return
		}
		log.Info("imported a roster for the command line", "created", sum.Created, "skipped", sum.Skipped)
		writeJSON(w, ImportResult{ImportSummary: sum, RanBy: os.Getpid()})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("control socket", "err", err)
		}
	}()
	if err := e.SetControl(path); err != nil {
		shutdownHTTP(srv)
		return nil, err
	}
	return func() {
		shutdownHTTP(srv)
		_ = os.Remove(path)
	}, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// callControl posts to the control socket of the service that owns the
// data directory and decodes its answer into out.
func callControl(ctx context.Context, info storage.OwnerInfo, path string, body []byte, out any) error {
	if info.Control == "" {
		return fmt.Errorf("the data directory is in use by `deputybot %s` (pid %d), which takes no work from other commands: try again when it has finished",
			info.Command, info.PID)
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", info.Control)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://deputybot"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("reach the running service (pid %d): %w", info.PID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("the running service (pid %d): %s", info.PID, bytes.TrimSpace(msg))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// RunJob runs one scheduled job once, as if at the given time (the
// command line's `deputybot job`). Next to a service that owns the
// embedded store, the service runs it and sends its messages; otherwise
// this process runs it, and sends its messages itself unless a running
// service does (replicas on MongoDB), and returns when they are sent.
func RunJob(ctx context.Context, o Options, name string, at time.Time) (*JobResult, error) {
	store, log, clock, err := openForTool(ctx, o, "job")
	if err != nil {
		return nil, err
	}
	defer store.Close(context.Background())
	if store.Joined() {
		info := store.EmbeddedStore().Info()
		var res JobResult
		q := "/job?" + url.Values{"name": {name}, "at": {at.Format(time.RFC3339Nano)}}.Encode()
		if err := callControl(ctx, info, q, nil, &res); err != nil {
			return nil, err
		}
		return &res, nil
	}
	counts := &countingMetrics{}
	to := telegramOptions(o, store, log)
	to.Outbox.Metrics = counts
	a, err := connect(ctx, o, store, clock, log, to, nil)
	if err != nil {
		return nil, err
	}
	sched, tg := a.Scheduler, a.Telegram
	n, err := sched.RunJob(ctx, name, at)
	res := &JobResult{Job: name, At: at, Queued: n}
	if err != nil {
		return res, err
	}
	if !store.SingleWriter() {
		live, err := store.LiveSenders(ctx, tg.Sender().Now())
		if err != nil {
			return res, err
		}
		if live > 0 {
			res.SentBy = "the running service"
			return res, nil
		}
	}
	res.SentBy = "this command"
	tg.StartSender(ctx)
	defer tg.Shutdown()
	select {
	case <-tg.Sender().Idle():
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.Sent, res.Refused = int(counts.sent.Load()), int(counts.failed.Load())
	return res, nil
}

// Import imports a roster file (`deputybot import`): next to a service
// that owns the embedded store, the service does it. It needs the bot's
// token, for the invitation links carry the bot's username.
func Import(ctx context.Context, o Options, data []byte, lang deputybot.Language) (*ImportResult, error) {
	store, log, clock, err := openForTool(ctx, o, "import")
	if err != nil {
		return nil, err
	}
	defer store.Close(context.Background())
	if store.Joined() {
		var res ImportResult
		if err := callControl(ctx, store.EmbeddedStore().Info(), "/import?"+url.Values{"lang": {string(lang)}}.Encode(), data, &res); err != nil {
			return nil, err
		}
		return &res, nil
	}
	a, err := connect(ctx, o, store, clock, log, telegramOptions(o, store, log), nil)
	if err != nil {
		return nil, err
	}
	sum, err := a.Bot.ImportRoster(ctx, nil, 0, lang, data)
	if err != nil && deputybot.ErrorCode(err) != deputybot.EINTERNAL {
		return nil, errors.New(a.Bot.Texts().ErrorText(lang, err))
	}
	if err != nil {
		return nil, err
	}
	return &ImportResult{ImportSummary: sum}, nil
}

// heartbeat records, while the service runs on MongoDB, that it sends
// from the outbox: a command-line job then leaves its messages to it.
func heartbeat(ctx context.Context, store *storage.Store, sender *telegram.Sender, log *slog.Logger) {
	host, _ := os.Hostname()
	id := host + ":" + strconv.Itoa(os.Getpid()) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for {
		if err := store.BeatSender(ctx, id, sender.Now().Add(30*time.Second)); err != nil && ctx.Err() == nil {
			log.Warn("sender heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = store.EndSender(cctx, id)
			cancel()
			return
		case <-time.After(10 * time.Second):
		}
	}
}

// countingMetrics counts what a command's own sender delivered.
type countingMetrics struct{ sent, failed atomic.Int64 }

func (c *countingMetrics) Sent(string, string)    { c.sent.Add(1) }
func (c *countingMetrics) Retried(string, string) {}
func (c *countingMetrics) Failed(string, string)  { c.failed.Add(1) }
func (c *countingMetrics) TooManyRequests()       {}
