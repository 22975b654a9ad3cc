//! Running a turn's independent jobs concurrently without spawning tasks: a small
//! set of futures polled together, whose results are taken in the order the
//! driver wants them (so results feed the conversation deterministically), and
//! any of which can be dropped when no longer wanted.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

enum Slot<'a, T> {
    Running(BoxFuture<'a, T>),
    Done(T),
    Gone,
}

pub(crate) struct Pool<'a, T> {
    slots: Vec<Slot<'a, T>>,
}

impl<'a, T> Pool<'a, T> {
    pub(crate) fn new() -> Self {
        Pool { slots: Vec::new() }
    }

    /// Adds a job; it starts running at the next `wait`.
    pub(crate) fn push(&mut self, job: BoxFuture<'a, T>) -> usize {
        self.slots.push(Slot::Running(job));
        self.slots.len() - 1
    }

    /// Drops a job (a running future is cancelled).
    pub(crate) fn cancel(&mut self, id: usize) {
        if let Some(slot) = self.slots.get_mut(id) {
            *slot = Slot::Gone;
        }
    }

    fn poll_all(&mut self, cx: &mut std::task::Context<'_>) {
        for slot in &mut self.slots {
            if let Slot::Running(job) = slot
                && let Poll::Ready(v) = job.as_mut().poll(cx)
            {
                *slot = Slot::Done(v);
            }
        }
    }

    /// Waits for job `id`, driving every other job meanwhile. `None` if it was
    /// cancelled or already taken.
    pub(crate) async fn wait(&mut self, id: usize) -> Option<T> {
        poll_fn(|cx| {
            self.poll_all(cx);
            match self.slots.get_mut(id) {
                Some(slot @ Slot::Done(_)) => match std::mem::replace(slot, Slot::Gone) {
                    Slot::Done(v) => Poll::Ready(Some(v)),
                    _ => Poll::Ready(None),
                },
                Some(Slot::Running(_)) => Poll::Pending,
                _ => Poll::Ready(None),
            }
        })
        .await
    }

    /// Waits for every remaining job; results in job order.
    pub(crate) async fn wait_all(&mut self) -> Vec<(usize, T)> {
        poll_fn(|cx| {
            self.poll_all(cx);
            if self.slots.iter().any(|s| matches!(s, Slot::Running(_))) {
                return Poll::Pending;
            }
            let mut out = Vec::new();
            for (i, slot) in self.slots.iter_mut().enumerate() {
                if let Slot::Done(v) = std::mem::replace(slot, Slot::Gone) {
                    out.push((i, v));
                }
            }
            Poll::Ready(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn jobs_run_together_and_come_back_in_order() {
        let start = tokio::time::Instant::now();
        let mut pool: Pool<'_, u32> = Pool::new();
        let slow = pool.push(Box::pin(async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            1
        }));
        let fast = pool.push(Box::pin(async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            2
        }));
        let dropped = pool.push(Box::pin(async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            3
        }));
        assert_eq!(pool.wait(slow).await, Some(1));
        assert_eq!(pool.wait(fast).await, Some(2));
        pool.cancel(dropped);
        assert_eq!(pool.wait(dropped).await, None);
        assert!(pool.wait_all().await.is_empty());
        // Concurrent: both took 300 ms in all, not 400.
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }
}
