-- Whether a figure meets its goal by the plan's comparison: '>' (超过) strictly more, '<' (低于) strictly less,
-- '<=' (不超过, 以内), '=' exactly, anything else at least ('>=': 达到, 以上, 不少于). Unknown (null) when the figure is.
-- Figures within a billionth of the goal count as equal to it: a growth worked out as (A / B) ^ (1 / n) - 1 lands
-- on 19.999999999999996 where the values make it 20, and stored values have at most a few decimals.
create or replace macro meets(figure, comparison, goal) as case comparison
    when '>' then figure > goal + 1e-9 * greatest(1, abs(goal))
    when '<' then figure < goal - 1e-9 * greatest(1, abs(goal))
    when '<=' then figure <= goal + 1e-9 * greatest(1, abs(goal))
    when '=' then abs(figure - goal) <= 1e-9 * greatest(1, abs(goal))
    else figure >= goal - 1e-9 * greatest(1, abs(goal))
end;
