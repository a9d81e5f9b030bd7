;; encode.asm - the input encoders (spec section 4 query trigrams, section 5 context n-grams).
;;
;; Only the low 7 bits of a hash pick a bucket, and (h*31 + c) mod 128 depends only on
;; h mod 128, so the 16-bit hash of the spec is computed in 8 bits with the same buckets.
;; Buckets are counted in cnt[0..127]; the distinct buckets, in order of first use, are
;; listed at cnt+128. build_act turns them into the active list the layer kernels read.

;; enc_query - active list of the query columns (x = 32 * count) for line/line_len.
;; Skips leading spaces, folds A-Z, pads with a space on each side (spec 4.2-4.6).
;; Clobbers: everything but SP, IX.
enc_query:      xor a
                ld (ndist),a
                ld hl,line
                ld a,(line_len)
                ld b,a
                or a
                jr z,eq_none
eq_skip:        ld a,(hl)
                cp ' '
                jr nz,eq_text
                inc hl
                djnz eq_skip
eq_none:        ld c,0
                jp build_act
eq_text:        ld de,tbuf                  ; tbuf = ' ' + folded bytes + ' '
                ld a,' '
                ld (de),a
                inc de
                push bc
eq_copy:        ld a,(hl)
                call fold
                ld (de),a
                inc hl
                inc de
                djnz eq_copy
                ld a,' '
                ld (de),a
                pop bc                      ; B = L bytes = L trigrams
                ld hl,tbuf
eq_tri:         xor a
                ld e,(hl)
                call hash_step
                inc hl
                ld e,(hl)
                call hash_step
                inc hl
                ld e,(hl)
                call hash_step
                call add_bucket
                dec hl
                djnz eq_tri
                ld c,0                      ; query columns are 0..127
                jp build_act

;; enc_context - active list of the context columns for the window (spec section 5):
;; for each start p, h = 7p, then the 1-, 2- and 3-grams from p extend the same hash.
;; In: bz_skip = s, the bytes at the end of the window that are not the blank start (or 8):
;; the n-grams that lie wholly in the 8-s blank bytes (p + n <= 8 - s) are left out, because
;; the layer-1 baseline of step s already holds them (see bz_make).
;; Out: the active list (build_act). Clobbers: everything but SP, IX.
;; T: ~90 per position, ~80 per n-gram only hashed, ~230 per n-gram counted, plus build_act.
enc_context:    xor a
                ld (ndist),a
                ld hl,window
                ld c,0                      ; C = 7p (mod 256)
                ld b,8                      ; B = bytes from p to the end of the window
ec_pos:         push hl
                push bc
                ld a,b
                cp 3
                jr c,ec_n
                ld a,3
ec_n:           ld d,a                      ; D = n-grams that start at p
                ld a,(bz_skip)
                ld e,a
                ld a,b
                sub e                       ; K = B - s: the first K n-grams at p are blank ones
                jr nc,ec_k
                xor a
ec_k:           cp d
                jr nc,ec_done               ; all of them: nothing from p
                ld b,a                      ; B = n-grams only hashed
                ld a,d
                sub b
                ld d,a                      ; D = n-grams counted
                ld a,c                      ; the hash starts at 7p
                inc b
                jr ec_hs
ec_h:           ld e,(hl)
                inc hl
                call hash_step
ec_hs:          djnz ec_h
ec_gram:        ld e,(hl)
                inc hl
                call hash_step
                push af
                call add_bucket
                pop af
                dec d
                jr nz,ec_gram
ec_done:        pop bc
                pop hl
                inc hl
                ld a,c
                add a,7
                ld c,a
                djnz ec_pos
                ld c,128                    ; context columns are 128..255
                jp build_act

;; hash_step - A = (A*31 + E) mod 256. In: A, E. Out: A. Clobbers: F. T-states: 62.
hash_step:      push bc
                ld b,a
                rrca
                rrca
                rrca
                and 0E0h                    ; A*32 mod 256
                sub b
                add a,e
                pop bc
                ret

;; add_bucket - count one n-gram in bucket A & 127; list the bucket on first use.
;; In: A. Out: cnt, and on first use the list at cnt+128 and ndist. Clobbers: AF.
;; T-states: 83, or 155 on the bucket's first use.
add_bucket:     push hl
                and 7Fh
                ld l,a
                ld h,cnt/256
                inc (hl)
                ld a,(hl)
                dec a
                jr nz,ab_done
                push de
                ld e,l
                ld a,(ndist)
                add a,128
                ld l,a
                ld (hl),e
                ld hl,ndist
                inc (hl)
                pop de
ab_done:        pop hl
                ret

;; build_act - the active list from the counted buckets: one entry (x = 32 * count, or
;; the count itself with layer-1 counters (COUNTERS); stream of column C + bucket) per
;; distinct bucket, pushed downwards from the terminator x = 0 at act_l1 (at most 62
;; entries: a line has at most 62 trigrams, the window 21 n-grams; the CALL of the column
;; function, made in the alternate set, uses free list space). Clears the counts. Interrupts must be off (the callers
;; run with DI). In: C = first column. Out: act_head. Uses layer 1's column function cf_1.
;; Clobbers: all but IX, IY (alternate registers included). T: ~100 plus ~175 per bucket.
build_act:      ld hl,0
                ld (act_l1),hl
                ld a,(ndist)
                ld b,a
                ld hl,cnt+128
                ld (sp_save),sp
                ld sp,act_l1
                or a
                jr z,ba_end
ba_loop:        ld e,(hl)                   ; the bucket
                inc l
                ld d,cnt/256
                ld a,(de)                   ; its count
                ex de,hl
                ld (hl),0
                ex de,hl
                ld d,a                      ; D' = count
                ld a,e
                add a,c                     ; the column
                exx
                call cf_1                   ; DE = its stream
                push de
                exx
                ifdef COUNTERS
                ld e,d                      ; x = count (layer-1 counters)
                ld d,0
                else
                ld a,d                      ; x = count * 32 (count <= 62)
                rrca
                rrca
                rrca
                ld d,a
                and 0E0h
                ld e,a
                xor d
                ld d,a
                endif
                push de
                djnz ba_loop
ba_end:         ld (act_head),sp
                ld sp,(sp_save)
                ret
