// The scheduling policies extpack ships, selectable by name (--policy). Every policy runs
// inside a SchedulePass, which enforces safety (no conflicting transactions in flight,
// batch size, block / vote / per-account budgets) whatever the policy decides; a policy
// only chooses order, worker and timing. Three are baselines rebuilt from public
// descriptions of other schedulers (docs: the peer survey, sections 2 and 3), so extpack
// can be measured against them on the same workload.
//
//  "extpack"  Value planning over a window of up to 1,024 transactions (and at most
//             max_scan_per_pass) taken best-first by priority (reward * 1e6 / (cost + 1));
//             a wider window made each pass tens of ms in real time. Per pass:
//             1. Forecast threshold. Every arrival (leader or not; not a copy of one still
//                queued) is counted by cost in a log-scale priority bucket (4 per
//                power of two); at each slot change the counts per slot elapsed become
//                the forecast of a slot's arrivals (smoothed 1:1 with the previous
//                forecast). The remaining budget is
//                then matched against the supply best-first: what is queued plus the
//                forecast for the rest of the slot (up to the end phase). The bucket
//                where supply reaches the budget is the threshold: transactions below
//                it wait, and in its own bucket only the budget the better supply
//                leaves is spent. So a backlog of cheap work cannot take space that
//                better arrivals later in the slot will want, and valuable work never
//                waits. In the first leader slot pack sees (no forecast yet) the budget
//                is paced linearly instead, as greedy does (block * elapsed / 350 ms).
//             2. Hot accounts: every account written by a transaction in the window
//                that at least one other queued transaction also names.
//                a. Before the end phase: nested protection levels (protection.hpp).
//                   Arrivals are also counted by value per writable account (hashed
//                   into 16K slots); an account's forecast of writers for the rest of
//                   the slot is its share of the value of all non-vote arrivals, priced
//                   like them. Best first, a queued writer of priority bucket k may spend
//                   the account's remaining budget minus the room kept for the better
//                   buckets' forecast writers: the j-th one's room while the chance that
//                   j or more come (Poisson), times their mean price, beats bucket k's
//                   price (EMSR-b). The others wait. So a backlog of cheap writers
//                   queued early cannot spend the budget that better ones arriving later
//                   in the slot will want, and a queued writer always beats a forecast
//                   one of its own price.
//                   Writers are taken first-fit in rank order; no knapsack then.
//                b. Otherwise (end phase, or nothing forecast for the account): when its
//                   writers in the window ask for more than its remaining budget, the
//                   SET of writers that earns most above the threshold's price for the
//                   block space they use is chosen (knapsack.hpp); the others wait.
//                   Skipped when density order is provably within 1 % of optimal (a
//                   fractional bound), which is the common case of many small writers.
//             3. Reservation. Walking the window in order with a plan of the slot's
//                remaining budget, a transaction above the threshold that is blocked by
//                an in-flight lock keeps its cost in the plan (and on its writable
//                accounts), so lower-value transactions cannot spend the budget it will
//                need when the lock frees: the overtaking every peer allows. On
//                contended replays the best few hundred transactions of a slot write the
//                same hot accounts and run one after another, so this is where most of
//                the gain over greedy comes from. At most 64 are reserved behind one
//                locked account per pass. Trade-off: budget held for a transaction whose
//                lock stays busy is idle until it frees; the end phase bounds that.
//             4. End phase. From 90 % of the slot no threshold and no reservation: the
//                rest of the budget goes to the best transactions that fit, which keeps
//                the block full without end-loading it. Planning across the leader
//                window: that is for a slot that another slot of ours follows (what
//                arrives after its block filled goes in the next one). In the last slot
//                of the window (from next_leader_slot / leader_range_end) the end phase
//                starts at 97 %, so the forecast keeps room for the slot's late arrivals,
//                which would otherwise go to another leader.
//             Transactions go to the worker with the least cost in flight (not to fill
//             one batch first): conflicting chains are time-bound, and one worker
//             executing a 64-transaction batch serially would hold their locks longer.
//             Transactions whose accounts are already full (charged plus reserved) or
//             that exceed the plan are passed over without touching a lock.
//             Shortcomings: the plan sees only the window, so a deep backlog's tail is
//             invisible; the forecast assumes arrivals spread evenly over a slot (a
//             burst late in the slot is under-reserved early and over-reserved late);
//             it counts every arrival, also those that never land (a flood of
//             well-paying writers of one account from payers that cannot pay can make
//             that account's real writers wait for the end phase: later, not lost);
//             protection keeps room for a forecast writer of average size, so a rare
//             very large one may still find the account full; only static keys count
//             toward an account's arrivals (address-table keys are not known on insert);
//             the window is used only for when the end phase starts: the threshold is
//             per slot (a window-wide one, budget and forecast over the slots left, was
//             tried and earned slightly less on both workloads).
//             Votes: ranked above every non-vote and exempt from the threshold and the
//             pacing (the block and vote limits still apply), so they go in the slot's
//             first batches; they count in the forecast's top bucket.
//             Every policy: a transaction whose payer's last known balance
//             (ExecutionResponse::fee_payer_balance) cannot pay its fee plus the fees
//             of the payer's transactions in flight is held back or dropped by the
//             pass (payers.hpp).
//  "greedy"   Agave's default central scheduler. Priority order; a transaction whose
//             locks are held in flight is unschedulable this pass and pushed back (Agave
//             would queue it on the one thread holding its locks, but the bindings
//             forbid two conflicting transactions in flight); each transaction goes to
//             the worker with the least cost in flight (then the smallest open batch),
//             batches of up to 64; in flight at most block limit / 4 split across
//             workers; block budget paced linearly from 0 at slot start to the full
//             limit at slot - 50 ms (CostPacer), checked before each transaction so the
//             last may overshoot the line. Without progress reports it is unpaced.
//             Votes first and unpaced: Agave runs them on its own vote worker, apart
//             from and ahead of this scheduler.
//  "prio-graph" Agave's legacy PrioGraphScheduler. Pops a look-ahead window of 2,048 into
//             a DAG where each transaction depends on the nearest higher-priority
//             conflicting transaction per account; schedules the ready set in priority
//             order, a node's children becoming ready once it is sent; a node that
//             cannot be sent (locks held, budget) blocks its accounts for the rest of the
//             pass, so lower-priority conflicting transactions cannot jump it; batches of
//             64; per worker at most block limit / workers in flight. Votes first, as
//             for greedy (Agave's vote worker).
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
