// The scheduling policies extpack ships, selectable by name (--policy). Every policy runs
// inside a SchedulePass, which enforces safety (no conflicting transactions in flight,
// batch size, block / vote / per-account budgets) whatever the policy decides; a policy
// only chooses order, worker and timing. Three are baselines rebuilt from public
// descriptions of other schedulers (docs: the peer survey, sections 2 and 3), so extpack
// can be measured against them on the same workload.
//
//  "extpack"  Value planning over a window of up to max_scan_per_pass transactions taken
//             best-first by priority (reward * 1e6 / (cost + 1)). Per pass:
//             1. Knapsack per contended account. For every writable account whose writers
//                in the window ask for more than its remaining per-account budget, the
//                most valuable SET of writers that fits is chosen (knapsack.hpp); the
//                others wait. Skipped when taking writers in density order is provably
//                within 1 % of optimal (a fractional bound), which is the common case
//                of many small writers. Trade-off: the knapsack maximises the account's
//                value alone; when the block is also full, a set that spends more block
//                budget per lamport can lose to filler of nearly equal density.
//             2. Reservation. Walking the window in order with a plan of the slot's
//                remaining budget, a transaction that fits but is blocked by an
//                in-flight lock keeps its cost in the plan (and on its writable
//                accounts), so lower-value transactions cannot spend the budget it will
//                need when the lock frees: the overtaking every peer allows. At most 8
//                are reserved behind any one locked account per pass, so a long queue on
//                one account cannot hold the block hostage. Trade-off: budget held for a
//                transaction whose lock stays busy is idle until it frees; the end phase
//                below bounds that.
//             3. Value-aware pacing. If the previous slot filled (>= 95 %), its lowest
//                admitted priority is a price: transactions above it are sent at once,
//                those below it wait for Agave's linear pacing line (block * elapsed /
//                350 ms), so cheap work does not crowd out better arrivals later in the
//                slot, and valuable work never waits. Off without progress reports.
//             4. End phase. From 85 % of the slot no reservation and no pacing: the rest
//                of the budget goes to the best transactions that fit, which keeps the
//                block full without end-loading it.
//             Transactions whose accounts are already full (charged plus reserved) or
//             that exceed the plan are passed over without touching a lock.
//             Shortcomings: the plan sees only the window, so a deep backlog's tail is
//             invisible; fee-payer balances (ExecutionResponse.fee_payer_balance) and the
//             leader window (leader_range_end) are not used yet; votes compete by
//             priority like everything else.
//  "greedy"   Agave's default central scheduler. Priority order; a transaction whose
//             locks are held in flight is unschedulable this pass and pushed back (Agave
//             would queue it on the one thread holding its locks, but the bindings
//             forbid two conflicting transactions in flight); each transaction goes to
//             the worker with the least cost in flight (then the smallest open batch),
//             batches of up to 64; in flight at most block limit / 4 split across
//             workers; block budget paced linearly from 0 at slot start to the full
//             limit at slot - 50 ms (CostPacer), checked before each transaction so the
//             last may overshoot the line. Without progress reports it is unpaced.
//  "prio-graph" Agave's legacy PrioGraphScheduler. Pops a look-ahead window of 2,048 into
//             a DAG where each transaction depends on the nearest higher-priority
//             conflicting transaction per account; schedules the ready set in priority
//             order, a node's children becoming ready once it is sent; a node that
//             cannot be sent (locks held, budget) blocks its accounts for the rest of the
//             pass, so lower-priority conflicting transactions cannot jump it; batches of
//             64; per worker at most block limit / workers in flight.
//  "fdpack"   Firedancer's fd_pack. Order by reward / cost (a 2^-24 fixed-point ratio
//             standing in for fd_pack's cross-multiplication); votes first; one batch
//             (microblock, <= 1.6M cost units) per idle worker in turn; per-account write
//             cost enforced by the pass; an account named by > 64 held transactions gets
//             a penalty queue: only its promoted writer is a candidate, and when that one
//             is taken the best writer waiting at that moment is promoted (so a better
//             late arrival goes after it); a transaction skipped 50 times for budget
//             reasons is ignored until the next slot; unused cost units are rebated by
//             the budget when responses report actual cost. Not modelled: bundles,
//             microblock byte limits, fd_pack's sampled eviction (the container evicts
//             the lowest rank), the vote eviction bias.
//  "fifo"     Arrival order with head-of-line blocking: the pass stops at the first
//             transaction that conflicts or does not fit. A floor, not a contender.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "extpack/sched/pass.hpp"

namespace extpack::sched {

/// The policy called `name`, or nullptr if there is none.
[[nodiscard]] std::unique_ptr<Policy> make_policy(std::string_view name);
/// Names make_policy accepts.
[[nodiscard]] std::vector<std::string_view> policy_names();

} // namespace extpack::sched
