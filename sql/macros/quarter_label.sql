-- A quarter as a person reads it, the form's own words ('2025Q3' -> '2025年第三季度'), as
-- ipwatch/domain/periods.py's quarter_label names it: what a rule's finding says to an office or an auditor names
-- quarters so. Anything is_quarter refuses is returned as it is: it is what the clerk typed.
create or replace macro quarter_label(period) as
case
    when is_quarter(period)
        then left(period, 4) || '年第' || ['一', '二', '三', '四'][cast(right(period, 1) as integer)] || '季度'
    else period
end;
