package telegram

import (
	"context"
	"sync"
)

// dispatcher runs handlers so that the updates of one chat are handled one
// after another, in the order received, while different chats proceed in
// parallel (up to a limit). go-telegram/bot would run every update in its
// own goroutine, and a conversation's answers could then overtake each
// other.
type dispatcher struct {
	handle func(ctx context.Context, u *incoming)
	sem    chan struct{}

	mu     sync.Mutex
	queues map[int64][]*incoming
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context // handlers' context; cancelled only after the grace period
	cancel context.CancelFunc
	idle   chan struct{} // closed when no chat has work; replaced when work arrives
}

func newDispatcher(workers int, handle func(ctx context.Context, u *incoming)) *dispatcher {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &dispatcher{
		handle: handle, sem: make(chan struct{}, workers),
		queues: map[int64][]*incoming{}, ctx: ctx, cancel: cancel, idle: idle,
	}
}

// enqueue adds an update to its chat's queue. It reports false once the
// dispatcher is closed; the update then stays pending in the store and is
// handled after the next start.
func (d *dispatcher) enqueue(u *incoming) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	if len(d.queues) == 0 {
		d.idle = make(chan struct{})
	}
	q, busy := d.queues[u.chatID]
	d.queues[u.chatID] = append(q, u)
	if !busy {
		d.wg.Add(1)
		go d.run(u.chatID)
	}
	return true
}

// run handles one chat's queue until it is empty.
func (d *dispatcher) run(chatID int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[chatID]
		if len(q) == 0 || d.closed {
			delete(d.queues, chatID)
			if len(d.queues) == 0 {
				close(d.idle)
			}
			d.mu.Unlock()
			return
		}
		u := q[0]
		d.mu.Unlock()

		select {
		case d.sem <- struct{}{}:
		case <-d.ctx.Done():
			continue
		}
		d.handle(d.ctx, u)
		<-d.sem

		d.mu.Lock()
		d.queues[chatID] = d.queues[chatID][1:]
		d.mu.Unlock()
	}
}

// Idle returns a channel closed when no update is queued or running.
func (d *dispatcher) Idle() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.idle
}

// shutdown stops taking updates, lets running handlers finish, and after
// grace cancels their context. Queued updates that did not start stay
// pending in the store.
func (d *dispatcher) shutdown(graceCtx context.Context) {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-graceCtx.Done():
		d.cancel()
		<-done
	}
	d.cancel()
}
